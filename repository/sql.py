"""Statements written once with SQLAlchemy Core, compiled once per engine.

A `Query` holds a statement built from the models (`select(Model...)`,
`insert(Model)`, `update(Model)`); `compiled(driver)` turns it, the first time
only, into the driver's own SQL text plus the kind of every bind parameter and
result column. The unit of work then sends that text straight to the driver,
several statements per round trip: SQLAlchemy builds and checks the SQL, and
no statement is rebuilt on the hot path.

Kinds tell the engine how to carry a value (see repository/engines): `ts`
(aware UTC datetimes), `json`, `bool`, and `plain` for everything else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Boolean
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeEngine

from models.types import JSONValue, UTCDateTime


def kind_of(sql_type: TypeEngine[Any]) -> str:
    if isinstance(sql_type, UTCDateTime):
        return "ts"
    if isinstance(sql_type, JSONValue):
        return "json"
    if isinstance(sql_type, Boolean):
        return "bool"
    return "plain"


class Dialected(Protocol):
    """What a query needs of an engine driver to compile itself."""

    name: str
    dialect: Dialect

    def insert(self, table: Any) -> Any: ...


@dataclass(frozen=True)
class Compiled:
    sql: str
    binds: Mapping[str, str]  # parameter name -> kind
    results: tuple[str, ...]  # result column kinds, in order (empty: returns no rows)
    constants: Mapping[str, Any]  # values of the literals the statement holds (LIMIT's OFFSET 0, +1)


@dataclass(eq=False)
class Query:
    """One statement. `build(insert)` gets the engine's INSERT (with its ON
    CONFLICT), so upserts are written once too; `columns` names the columns an
    INSERT sets (the rest take their defaults)."""

    name: str
    build: Callable[[Callable[[Any], Any]], Executable]
    columns: Sequence[str] | None = None
    _compiled: dict[str, Compiled] = field(default_factory=dict, repr=False)

    def compiled(self, driver: Dialected) -> Compiled:
        found = self._compiled.get(driver.name)
        if found is None:
            found = self._compiled[driver.name] = self._compile(driver)
        return found

    def _compile(self, driver: Dialected) -> Compiled:
        statement: Any = self.build(driver.insert)
        keys = list(self.columns) if self.columns is not None else None
        compiled = statement.compile(dialect=driver.dialect, column_keys=keys,
                                     compile_kwargs={"render_postcompile": True})
        names = compiled.bind_names
        binds = {names[bind]: kind_of(bind.type) for bind in set(compiled.binds.values())}
        constants = {names[bind]: bind.value for bind in set(compiled.binds.values())
                     if bind.value is not None and not bind.required}
        returned = _returned_columns(statement)
        return Compiled(str(compiled), binds, tuple(kind_of(column.type) for column in returned), constants)


def _returned_columns(statement: Any) -> Sequence[Any]:
    if statement.is_select:
        return list(statement.selected_columns)
    returning = getattr(statement, "_returning", ())
    return list(returning)


@dataclass(frozen=True)
class Step:
    """One statement to send: its parameters, or several rows of them."""

    query: Query
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] = field(default_factory=dict)

    @property
    def rows_of_params(self) -> Sequence[Mapping[str, Any]]:
        return [self.params] if isinstance(self.params, Mapping) else self.params


@dataclass
class Outcome:
    """What one step gave back: its rows (kinds applied) and its row count."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    rowcount: int = 0

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None
