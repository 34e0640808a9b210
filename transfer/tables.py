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

from sqlalchemy import Boolean, Float, Integer, Table

from models import LEGACY_TABLES, Base
from models.repair import CHECK_LISTS, RANGES
from repository.adoption import CHILD_TIME_COLUMN
from models.types import JSONValue, UTCDateTime

# data_repairs first (the source's own records keep their ids), then parents
# before children (foreign keys).
COPY_ORDER: tuple[str, ...] = ("data_repairs", *LEGACY_TABLES)
SESSION_TIME_COLUMN: dict[str, str] = CHILD_TIME_COLUMN


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    nullable: bool
    allowed: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None

    @property
    def quoted(self) -> str:
        return '"' + self.name.replace('"', '""') + '"'


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


def _kind(table: Table, name: str) -> str:
    column = table.columns[name]
    kind = column.type
    if column.primary_key and isinstance(kind, Integer):
        return "pk"
    if isinstance(kind, UTCDateTime):
        return "ts"
    if isinstance(kind, JSONValue):
        return "json"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Float):
        return "float"
    if isinstance(kind, Integer):
        return "int"
    return "check" if (table.name, name) in CHECK_LISTS else "text"


def _spec(name: str) -> TableSpec:
    table = Base.metadata.tables[name]
    columns = []
    for column in table.columns:
        low, high = RANGES.get((name, column.name), (None, None))
        columns.append(
            Column(
                name=column.name,
                kind=_kind(table, column.name),
                nullable=bool(column.nullable) and not column.primary_key,
                allowed=CHECK_LISTS.get((name, column.name)),
                low=low,
                high=high,
            )
        )
    key = "session_id" if name == "sessions" else "id"
    assert columns[0].name == key, f"{name}: the key must be the first column"
    return TableSpec(name, tuple(columns))


SPECS: dict[str, TableSpec] = {name: _spec(name) for name in COPY_ORDER}
