"""Reading tables in primary-key order, in chunks: in mode 'copy' as the rows
the target stores, in mode 'verify' as keys and row checksums.

SQLite (legacy schema v2 or current): opened read-only (`mode=ro`), one read
transaction for the whole run (a consistent snapshot while the chatbot may go
on writing), raw values read with plain sqlite3. Every row is held to the
dirty-row rules of `models.repair.RowRepairer`: `transfer.clean` finds, a
whole chunk at a time, the rows whose values the rules would take unchanged;
every other row goes through `RowRepairer`, and what was done comes back with
the chunk.

Postgres: one REPEATABLE READ READ ONLY transaction and server-side cursors;
rows are clean already (the schema guarantees it). Where a table has no float
or JSON column the server computes each row's checksum itself.

`strict=True` reads a *target* for verification: nothing is repaired (a
value that is not canonical must show up as a difference).
"""

from __future__ import annotations

import sqlite3
from functools import partial
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from models import SESSION_CHILD_TABLES
from models.repair import Repair, RowRepairer, parse_timestamp, placeholder_session
from repository.engines.sqlite import connect_file
from transfer.checksum import column_digests, convert, digest
from transfer.pipeline import prefetch
from transfer.clean import (
    bad_rows,
    canonical_fast,
    convert_json,
    dumps_fast,
    normalise_booleans,
    normalise_floats,
    pad_timestamps,
    parse_json_fast,
)
from transfer.tables import SESSION_TIME_COLUMN, SPECS, Column, TableSpec, absent_literal

DEFAULT_CHUNK = 20_000
PARALLEL_READS = 2  # connections reading a Postgres table at once when verifying


@dataclass
class Chunk:
    """What one read brought: in mode 'copy' the rows for the target (key
    first); in mode 'verify' their keys and checksums. With them, every repair
    made and which of those quarantined a row; `read` counts source rows."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    keys: list[Any] = field(default_factory=list)
    digests: list[bytes] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    quarantined: list[Repair] = field(default_factory=list)
    read: int = 0


def sql_rendered(spec: TableSpec) -> bool:
    """Can the database render this table's row text itself (no float, no JSON)?"""
    return not spec.kinds("float", "json")


def _order(spec: TableSpec, engine: str) -> str:
    key = spec.columns[0].quoted
    if not spec.integer_key and engine == "postgresql":
        return f'{key} COLLATE "C"'  # byte order of UTF-8 = code point order = SQLite's BINARY
    return key


# --------------------------------------------------------------------------
# SQL for Postgres
# --------------------------------------------------------------------------


def _postgres_expression(column: Column, mode: str, absent: frozenset[str] = frozenset(), table: str = "") -> str:
    if column.name in absent:
        return f"{absent_literal(table, column.name)}::text"
    q = column.quoted
    if column.kind == "ts":
        return f"to_char({q} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
    if column.kind == "bool":
        return f"{q}::int" if mode == "copy" else f"CASE WHEN {q} THEN 'true' WHEN NOT {q} THEN 'false' END"
    if column.kind == "float" and mode == "verify":
        return f"{q} + 0.0::float8"
    if column.kind == "json":
        return f"{q}::text"
    return q


# E'' literals: the same whatever standard_conforming_strings says.
_BACKSLASH, _BACKSLASH2, _ESC_R, _ESC_U = r"E'\\'", r"E'\\\\'", r"E'\\R'", r"E'\\U'"


def _postgres_row_digest(spec: TableSpec, absent: frozenset[str] = frozenset()) -> str:
    """SQL for the row checksum (see transfer.checksum: values joined by
    chr(31), NULL as chr(30), text escaped), computed by the server."""
    parts = []
    for column in spec.columns:
        e = _postgres_expression(column, "verify", absent, spec.name)
        if column.kind in ("pk", "int"):
            e = f"({e})::text"
        elif column.kind in ("text", "check"):
            e = f"replace(replace(replace({e}, {_BACKSLASH}, {_BACKSLASH2}), chr(30), {_ESC_R}), chr(31), {_ESC_U})"
        parts.append(f"COALESCE({e}, chr(30))")
    return f"decode(md5({' || chr(31) || '.join(parts)}), 'hex')"


def postgres_select(spec: TableSpec, mode: str, *, rendered: bool = False,
                    absent: frozenset[str] = frozenset()) -> str:
    """Mode 'verify', rendered: the key and the row checksum (computed by the
    server); otherwise every column, plus the checksum last when rendered.
    `absent` columns (an older source) are read as their defaults."""
    if mode == "verify" and rendered:
        return f"SELECT {spec.columns[0].quoted}, {_postgres_row_digest(spec, absent)} FROM {spec.quoted}"
    body = ", ".join(_postgres_expression(c, mode, absent, spec.name) for c in spec.columns)
    if rendered:
        body += f", {_postgres_row_digest(spec, absent)}"
    return f"SELECT {body} FROM {spec.quoted}"


def sqlite_select(spec: TableSpec, absent: frozenset[str] = frozenset()) -> str:
    parts = [f"{absent_literal(spec.name, c.name)} AS {c.quoted}" if c.name in absent else c.quoted
             for c in spec.columns]
    return f"SELECT {', '.join(parts)} FROM {spec.quoted}"


# --------------------------------------------------------------------------
# Per-chunk conversion (column by column)
# --------------------------------------------------------------------------


class _Shaper:
    """Turns the raw rows of one table into a Chunk: the stored form (mode
    'copy') and/or keys and checksums. `check`: find the rows RowRepairer must
    handle (SQLite sources); otherwise values are taken as they are (Postgres,
    and targets being verified, where nothing may be repaired)."""

    def __init__(self, spec: TableSpec, mode: str, target: str, *, check: bool, sums: bool, fast: bool = True,
                 absent: frozenset[str] = frozenset()) -> None:
        self.spec = spec
        self.mode = mode
        self.target = target
        self.check = check
        self.sums = sums
        self.fast = fast
        self.ts = spec.kinds("ts")
        self.json = spec.kinds("json")
        self.bools = spec.kinds("bool")
        self.floats = spec.kinds("float")
        self.repairer = RowRepairer(spec.name, target, absent) if check else None

    def chunk(self, rows: Sequence[tuple[Any, ...]], raw: Any = None, pad: bool = True) -> Chunk:
        """`raw(i)` gives the i-th row as a dict of raw values (for RowRepairer)."""
        spec, chunk = self.spec, Chunk(read=len(rows))
        if not rows:
            return chunk
        columns = list(zip(*rows))
        bad: set[int] = set()
        if self.check:
            if self.fast:
                for column, values in zip(spec.columns, columns):
                    bad |= bad_rows(column, values, self.target)
            else:
                bad = set(range(len(rows)))
        stored = list(columns)
        if pad:
            for i in self.ts:
                stored[i] = pad_timestamps(columns[i])
        normal_json: dict[int, list[Any]] = {}
        for i in self.json:
            if self.check:
                stored[i], normal_json[i], failed = convert_json(
                    columns[i], self.target, spec.columns[i].nullable, self.mode == "copy", self.sums, bad
                )
                bad |= failed
            else:
                stored[i], normal_json[i] = _json_as_is(columns[i], self.mode == "copy", self.sums)
        if self.mode == "copy":
            stored_rows = list(zip(*stored))
        if self.sums:
            normal = list(stored)
            for i in self.bools:
                normal[i] = normalise_booleans(columns[i])
            for i in self.floats:
                normal[i] = normalise_floats(columns[i])
            for i in self.json:
                normal[i] = normal_json[i]
            sums = column_digests(normal)  # rows RowRepairer handles get theirs below
        if not bad:
            if self.mode == "copy":
                chunk.rows = stored_rows
            if self.sums:
                chunk.keys = list(columns[0])
                chunk.digests = sums
            return chunk
        for i in range(len(rows)):
            if i not in bad:
                if self.mode == "copy":
                    chunk.rows.append(stored_rows[i])
                if self.sums:
                    chunk.keys.append(columns[0][i])
                    chunk.digests.append(sums[i])
                continue
            assert self.repairer is not None
            fixed, found = self.repairer.repair(raw(i))
            chunk.repairs.extend(found)
            if fixed is None:
                chunk.quarantined.extend(found)
                continue
            if self.mode == "copy":
                chunk.rows.append(convert(spec, fixed, "copy"))
            if self.sums:
                values = convert(spec, fixed, "verify")
                chunk.keys.append(values[0])
                chunk.digests.append(digest(values))
        return chunk


def _json_as_is(values: Sequence[Any], stored: bool, normal: bool) -> tuple[list[Any], list[Any]]:
    """JSON read from a database that is not repaired (Postgres, a target):
    stored text and canonical text; what does not parse is marked, so it can
    only ever compare unequal."""
    stored_out, normal_out = [], []
    for text in values:
        if text is None:
            stored_out.append(None)
            normal_out.append(None)
            continue
        try:
            value, simple = parse_json_fast(text)
            if value is None:  # JSON null is SQL NULL
                stored_out.append(None)
                normal_out.append(None)
                continue
            stored_out.append(dumps_fast(value, simple) if stored else None)
            normal_out.append(canonical_fast(value, text, simple) if normal else None)
        except (ValueError, TypeError):
            stored_out.append(text)
            normal_out.append(f"$not-json:{text!r}")
    return stored_out, normal_out


# --------------------------------------------------------------------------
# SQLite
# --------------------------------------------------------------------------


def _shape_postgres(shaper: _Shaper, mode: str, rendered: bool, width: int, rows: list[tuple[Any, ...]]) -> Chunk:
    if not rendered:
        return shaper.chunk(rows, pad=False)
    chunk = Chunk(read=len(rows), keys=[row[0] for row in rows], digests=[bytes(row[-1]) for row in rows])
    if mode == "copy":
        chunk.rows = shaper.chunk([row[:width] for row in rows], pad=False).rows
    return chunk


class _KeyedSource:
    """What both readers answer the same way; each gives `_scalar` (one value
    of a query written with %s placeholders) and `tables`."""

    tables: set[str]

    def _scalar(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        raise NotImplementedError

    def has_table(self, table: str) -> bool:
        return table in self.tables

    def count(self, table: str, after: Any = None) -> int:
        if not self.has_table(table):
            return 0
        spec = SPECS[table]
        if after is None:
            return int(self._scalar(f"SELECT count(*) FROM {spec.quoted}"))
        return int(self._scalar(f"SELECT count(*) FROM {spec.quoted} WHERE {spec.columns[0].quoted} > %s", (after,)))

    def max_id(self, table: str, upto: int | None = None) -> int | None:
        if not self.has_table(table):
            return None
        where = f" WHERE id <= {int(upto)}" if upto is not None else ""
        return self._scalar(f"SELECT max(id) FROM {SPECS[table].quoted}{where}")


class SqliteReader(_KeyedSource):
    engine = "sqlite"

    def __init__(self, path: str, *, target: str, strict: bool = False, fast: bool = True) -> None:
        self.path = path
        self.target = target
        self.strict = strict
        self.fast = fast
        self._undecodable = 0
        self.conn = connect_file(path, read_only=True)
        self.conn.execute("BEGIN")  # one snapshot for every read of this run
        self.utf8 = self.conn.execute("PRAGMA encoding").fetchone()[0] == "UTF-8"
        self.tables = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        self.absent = {t: frozenset(c.name for c in SPECS[t].columns) - {
            row[1] for row in self.conn.execute(f"PRAGMA table_info({SPECS[t].quoted})")} for t in SPECS if t in self.tables}

    def _text(self, data: bytes) -> Any:
        """The text decoder once a value that is not UTF-8 was met (slower than str)."""
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:  # kept as bytes: RowRepairer records the decoding
            self._undecodable += 1
            return data

    def close(self) -> None:
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error:
            pass
        self.conn.close()

    def _scalar(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        return self.conn.execute(query.replace("%s", "?"), params).fetchone()[0]

    def stream(
        self,
        table: str,
        mode: str,
        *,
        after: Any = None,
        upto: Any = None,
        above: Any = None,
        chunk_size: int = DEFAULT_CHUNK,
        checksums: bool = False,
    ) -> Iterator[Chunk]:
        """Chunks in key order (`after`: keys greater than; `upto`: keys at
        most; `above`: keys greater than, for data_repairs on a target).
        Mode 'verify' gives keys and checksums; mode 'copy' the rows to store,
        with `checksums` their keys and checksums as well."""
        if not self.has_table(table):
            return
        spec = SPECS[table]
        key = spec.columns[0].quoted
        conditions: list[tuple[str, Any]] = []
        for value, test in ((after, ">"), (upto, "<="), (above, ">")):
            if value is not None:
                conditions.append((f"{key} {test} ?", value))
        absent = self.absent.get(table, frozenset())
        shaper = _Shaper(
            spec, mode, self.target, check=not self.strict, sums=mode == "verify" or checksums, fast=self.fast,
            absent=absent,
        )
        select = sqlite_select(spec, absent)
        names = spec.names
        last: list[Any] = []
        while True:
            where = conditions + ([(f"{key} > ?", last[0])] if last else [])
            query = select + (" WHERE " + " AND ".join(c for c, _ in where) if where else "")
            cursor = self.conn.execute(query + f" ORDER BY {_order(spec, 'sqlite')}", [v for _, v in where])
            try:
                while True:
                    rows = cursor.fetchmany(chunk_size)
                    if not rows:
                        return
                    chunk = shaper.chunk(rows, lambda i: dict(zip(names, rows[i])), pad=not self.strict)
                    last[:] = [rows[-1][0]]
                    yield chunk
            except sqlite3.OperationalError as error:
                # Text that is not valid UTF-8: read on from the last whole chunk
                # with a decoder that keeps such values as bytes (RowRepairer
                # decodes them and records it).
                if "decode" not in str(error) or self.conn.text_factory is not str:
                    raise
                self.conn.text_factory = self._text

    # ---- orphans -------------------------------------------------------

    def placeholders(self, quarantined_sessions: list[Any]) -> list[tuple[dict[str, Any], Repair]]:
        """Parent sessions for orphan rows (children whose session is missing, or
        was quarantined), in key order, as (session values, placeholder repair);
        `transfer.checksum.convert` gives their stored or normalised form."""
        if not self.has_table("sessions"):
            return []
        found: dict[Any, tuple[Any, str]] = {}
        for child in SESSION_CHILD_TABLES:
            if not self.has_table(child):
                continue
            column = SESSION_TIME_COLUMN[child]
            query = (
                f'SELECT session_id, MIN("{column}") FROM "{child}" GROUP BY session_id HAVING session_id IS NOT NULL'
                " AND session_id NOT IN (SELECT session_id FROM sessions WHERE session_id IS NOT NULL)"
            )
            for session_id, earliest in self.conn.execute(query):
                found.setdefault(session_id, (earliest, child))
        for session_id in quarantined_sessions:
            if session_id is None or session_id in found:
                continue
            for child in SESSION_CHILD_TABLES:
                if not self.has_table(child):
                    continue
                column = SESSION_TIME_COLUMN[child]
                count, earliest = self.conn.execute(
                    f'SELECT count(*), MIN("{column}") FROM "{child}" WHERE session_id = ?', (session_id,)
                ).fetchone()
                if count:
                    found[session_id] = (earliest, child)
                    break
        return build_placeholders(found, self.target)


def repaired_session_id(raw: Any, target: str) -> str:
    """A child's session_id as the target stores it (the same rule as its row)."""
    fixed, _ = RowRepairer("sessions", target).repair({"session_id": raw})
    if fixed is None:  # pragma: no cover - only NULL is refused, and NULL has no children
        raise ValueError("a NULL session_id has no placeholder")
    return str(fixed["session_id"])


def build_placeholders(found: dict[Any, tuple[Any, str]], target: str) -> list[tuple[dict[str, Any], Repair]]:
    """(placeholder session as Python values, its repair), in key order."""
    out = []
    for raw_id, (earliest, child) in found.items():
        try:
            first_seen = parse_timestamp(earliest) if earliest not in (None, "") else None
        except (ValueError, OverflowError, OSError):
            first_seen = None
        out.append(placeholder_session(repaired_session_id(raw_id, target), first_seen, child))
    out.sort(key=lambda item: item[0]["session_id"])
    return out


# --------------------------------------------------------------------------
# Postgres
# --------------------------------------------------------------------------


class PostgresReader(_KeyedSource):
    engine = "postgresql"

    def __init__(self, engine: Engine, *, strict: bool = False) -> None:
        import psycopg

        self.sa_engine = engine
        self.strict = strict
        self._raw = engine.raw_connection()
        self.pg = self._raw.driver_connection
        self.pg.autocommit = False
        self.pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self.pg.read_only = True
        self._cursors = 0
        self.parallel = PARALLEL_READS
        self.utf8 = str(self.pg.execute("SHOW server_encoding").fetchone()[0]).upper() in ("UTF8", "UTF-8")
        self.tables = {
            row[0]
            for row in self.pg.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            )
        }
        present: dict[str, set[str]] = {}
        for table, column in self.pg.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        ):
            present.setdefault(table, set()).add(column)
        self.absent = {t: frozenset(c.name for c in SPECS[t].columns) - present.get(t, set()) for t in SPECS}

    def close(self) -> None:
        try:
            self.pg.rollback()
            self.pg.read_only = False
            self.pg.isolation_level = None
        finally:
            self._raw.close()

    def _scalar(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        return self.pg.execute(query, params).fetchone()[0]

    def stream(
        self,
        table: str,
        mode: str,
        *,
        after: Any = None,
        upto: Any = None,
        above: Any = None,
        chunk_size: int = DEFAULT_CHUNK,
        checksums: bool = False,
    ) -> Iterator[Chunk]:
        if not self.has_table(table):
            return
        spec = SPECS[table]
        key = spec.columns[0].quoted
        where, params = [], []
        for value, test in ((after, ">"), (upto, "<="), (above, ">")):
            if value is not None:
                where.append(f"{key} {test} %s")
                params.append(value)
        sums = mode == "verify" or checksums
        rendered = sums and sql_rendered(spec) and self.utf8
        select = postgres_select(spec, mode, rendered=rendered, absent=self.absent.get(table, frozenset()))
        # Rows from Postgres are clean: nothing to check or repair, only shaped.
        shaper = _Shaper(spec, mode, "postgresql", check=False, sums=sums and not rendered)
        shape = partial(_shape_postgres, shaper, mode, rendered, len(spec.columns))
        if mode == "verify" and spec.integer_key and self.parallel > 1:
            key = spec.columns[0].quoted
            bounds = self.pg.execute(
                f"SELECT min({key}), max({key}) FROM {spec.quoted}" + (" WHERE " + " AND ".join(where) if where else ""),
                params,
            ).fetchone()
            if bounds[0] is not None and bounds[1] - bounds[0] >= 4 * chunk_size:
                yield from self._parallel(spec, select, where, params, shape, chunk_size, bounds)
                return
        query = select + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY {_order(spec, 'postgresql')}"
        self._cursors += 1
        with self.pg.cursor(name=f"aimhi_{table}_{self._cursors}") as cursor:
            cursor.itersize = chunk_size
            cursor.execute(query, params)
            while True:
                rows = cursor.fetchmany(chunk_size)
                if not rows:
                    break
                yield shape(rows)

    def _parallel(
        self, spec: TableSpec, select: str, where: list[str], params: list[Any], shape: Any, chunk_size: int,
        bounds: tuple[int, int],
    ) -> Iterator[Chunk]:
        """Verification reads of a big table: id ranges fetched by `parallel`
        connections at once (each its own server process), all in this
        transaction's snapshot, handed on in id order; each connection reads
        at most two ranges ahead, so memory stays bounded."""
        from psycopg import sql

        key = spec.columns[0].quoted
        low, high = int(bounds[0]) - 1, int(bounds[1])
        ranges = [(start, min(start + chunk_size, high)) for start in range(low, high, chunk_size)]
        workers = self.parallel
        snapshot = self.pg.execute("SELECT pg_export_snapshot()").fetchone()[0]
        query = select + " WHERE " + " AND ".join([*where, f"{key} > %s", f"{key} <= %s"]) + f" ORDER BY {key}"

        def read(worker: int) -> Iterator[Chunk]:
            import psycopg

            raw = self.sa_engine.raw_connection()
            try:
                pg = raw.driver_connection
                pg.autocommit = False
                pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                pg.read_only = True
                pg.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
                for lo, hi in ranges[worker::workers]:
                    yield shape(pg.execute(query, [*params, lo, hi]).fetchall())
                pg.rollback()
            finally:
                raw.close()

        streams = [prefetch(read(worker), depth=2) for worker in range(workers)]
        try:
            for index in range(len(ranges)):
                yield next(streams[index % workers])
        finally:
            for stream in streams:
                stream.close()

    def placeholders(self, quarantined_sessions: list[Any]) -> list[tuple[dict[str, Any], Repair]]:
        return []  # foreign keys guarantee every child has its session
