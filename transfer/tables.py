"""What the transfer tool knows about each table, derived once from `models`.

Every row travels as a tuple in the model's column order; the first column is
the key (`id`, or `session_id` for sessions). Each column has a *kind* that
decides how it is read, written and normalised:

  pk     integer primary key (`id`)        text   free text
  int    integer                           check  text limited to a CHECK list
  float  double precision                  ts     UTC timestamp
  bool   boolean                           json   JSON value
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from models import LEGACY_TABLES, Base
from models.rules import RULES, ColumnRule
from repository.adoption import CHILD_TIME_COLUMN
from repository.schema import LEGACY_COLUMNS

# data_repairs first (the source's own records keep their ids), then parents
# before children (foreign keys).
COPY_ORDER: tuple[str, ...] = ("data_repairs", *LEGACY_TABLES)
SESSION_TIME_COLUMN: dict[str, str] = CHILD_TIME_COLUMN


Column = ColumnRule  # a column as the tool sees it: the one value rule of models.rules


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]

    @property
    def key(self) -> str:
        return self.columns[0].name

    @property
    def integer_key(self) -> bool:
        return self.columns[0].kind == "pk"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def quoted(self) -> str:
        return '"' + self.name + '"'

    @property
    def column_list(self) -> str:
        return ", ".join(column.quoted for column in self.columns)

    def kinds(self, *kinds: str) -> tuple[int, ...]:
        """Positions of the columns of these kinds."""
        return tuple(i for i, column in enumerate(self.columns) if column.kind in kinds)

    @property
    def sqlalchemy_table(self) -> Table:
        return Base.metadata.tables[self.name]


def _spec(name: str) -> TableSpec:
    columns = tuple(RULES[name].values())
    key = "session_id" if name == "sessions" else "id"
    assert columns[0].name == key, f"{name}: the key must be the first column"
    return TableSpec(name, columns)


SPECS: dict[str, TableSpec] = {name: _spec(name) for name in COPY_ORDER}


def _default_of(table: str, name: str) -> Any:
    default = Base.metadata.tables[table].columns[name].server_default
    text = str(getattr(default, "arg", "")) if default is not None else ""
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else None


# Columns added after the legacy schema (migrations 0004 and 0005): a source
# made before them (a legacy file, an older database) reads each as its default
# ("crisis" for a detection: the old chatbot had one tier).
ADDED_COLUMNS: dict[str, dict[str, Any]] = {
    table: {c.name: _default_of(table, c.name) for c in SPECS[table].columns if c.name not in LEGACY_COLUMNS[table]}
    for table in LEGACY_TABLES
}


def absent_literal(table: str, name: str) -> str:
    """SQL for a column the source does not have: its default, as a literal."""
    value = ADDED_COLUMNS[table][name]
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"
