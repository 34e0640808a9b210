"""Writing chunks into the target, each chunk in its own transaction together
with the data_repairs records of its rows, so an interrupted copy leaves only
whole chunks behind and a re-run picks up exactly where it stopped.

Resume and idempotence (the rule for each table):
* tables keyed by an integer id are copied in id order; before a table the
  writer asks for the largest id already in the target and the source is read
  after it. A chunk commits whole, so every id up to that maximum is there.
* sessions (text key) are read whole every run; a chunk first asks which of
  its session_ids the target already has and writes only the others.
* a repair record is written only with a row that is written in the same
  transaction; a quarantined row (which has no row) only when no quarantine
  record for it exists yet. So a second run adds nothing at all.
* data_repairs rows that come *from the source* keep their ids (1..M, M the
  source's largest); the id sequence is moved past M before anything else, so
  the records this copy makes get ids above M.

Postgres: rows go in with COPY (text format; the transaction's time zone is
UTC, so canonical UTC text is read as UTC). Bulk mode (the default for a table
that receives at least 20,000 rows and at least as many as it already holds):
the table's secondary indexes and its foreign key are dropped before the rows
go in and made again afterwards, on a second connection while the next table
copies (the foreign key is validated then); primary keys, UNIQUE and CHECK
constraints stay. An interrupted run leaves them missing; the next run sees
that, keeps bulk mode, and makes them. `verify` reports any that are missing.
Identity sequences are set past the largest copied id at the end.

SQLite: executemany INSERT ... ON CONFLICT(key) DO NOTHING in one transaction
per chunk (AUTOINCREMENT counters follow the explicit ids).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, ForeignKeyConstraint
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import AddConstraint, CreateIndex

from models.repair import Repair
from repository.engines.sqlite import canonical_text, connect_file
from transfer.tables import COPY_ORDER, SPECS, TableSpec

REPAIR_COLUMNS = ("table_name", "row_key", "column_name", "action", "detail", "original", "repaired_at")
BULK_MIN_ROWS = 20_000
_SQLITE_BATCH = 500


def repair_rows(repairs: Sequence[Repair], now: datetime) -> list[tuple[Any, ...]]:
    stamp = canonical_text(now)
    out = []
    for repair in repairs:
        row = repair.as_row(now)
        row["repaired_at"] = stamp
        out.append(tuple(row[name] for name in REPAIR_COLUMNS))
    return out


def _batches(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --------------------------------------------------------------------------
# Schema objects that bulk mode drops and makes again (Postgres)
# --------------------------------------------------------------------------


def managed_objects(table: str) -> dict[str, tuple[str, str, str]]:
    """name -> (kind, CREATE statement, DROP statement) for the table's
    secondary indexes and foreign keys, as the models define them."""
    dialect = postgresql.dialect()
    sa_table = SPECS[table].sqlalchemy_table
    out: dict[str, tuple[str, str, str]] = {}
    for index in sa_table.indexes:
        name = str(index.name)
        out[name] = ("index", str(CreateIndex(index).compile(dialect=dialect)), f'DROP INDEX IF EXISTS "{name}"')
    for constraint in sa_table.constraints:
        if isinstance(constraint, ForeignKeyConstraint):
            name = str(constraint.name)
            out[name] = (
                "foreign key",
                str(AddConstraint(constraint).compile(dialect=dialect)),
                f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"',
            )
    return out


def _present_objects(pg: Any, table: str) -> set[str]:
    indexes = pg.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s", (table,)
    )
    names = {row[0] for row in indexes}
    constraints = pg.execute(
        "SELECT c.conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
        " WHERE t.relname = %s AND t.relnamespace = current_schema()::regnamespace AND c.contype = 'f'",
        (table,),
    )
    return names | {row[0] for row in constraints}


def _rebuild(pg: Any, table: str) -> list[str]:
    """Make every missing index and foreign key of the table (autocommit
    connection; each statement its own transaction)."""
    made = []
    present = _present_objects(pg, table)
    for name, (kind, create, _) in managed_objects(table).items():
        if name not in present:
            with pg.transaction():
                pg.execute("SET LOCAL maintenance_work_mem = '256MB'")
                pg.execute(create)
            made.append(f"{table}: {kind} {name}")
    return made


class Target:
    """Read side of a target (also used by --dry-run, which writes nothing)."""

    engine: str
    repair_floor: int = 0  # M: ids up to it belong to the source's own data_repairs

    def max_id(self, table: str, upto: int | None = None) -> int | None:
        raise NotImplementedError

    def existing_keys(self, table: str, keys: Sequence[Any]) -> set[Any]:
        raise NotImplementedError

    def existing_quarantines(self, table: str, row_keys: Sequence[str]) -> set[str]:
        raise NotImplementedError

    def count(self, table: str) -> int:
        raise NotImplementedError

    def close(self) -> None:
        pass


class EmptyTarget(Target):
    """A target that does not exist yet (dry run)."""

    def __init__(self, engine: str) -> None:
        self.engine = engine

    def max_id(self, table: str, upto: int | None = None) -> int | None:
        return None

    def existing_keys(self, table: str, keys: Sequence[Any]) -> set[Any]:
        return set()

    def existing_quarantines(self, table: str, row_keys: Sequence[str]) -> set[str]:
        return set()

    def count(self, table: str) -> int:
        return 0


# --------------------------------------------------------------------------
# SQLite
# --------------------------------------------------------------------------


class SqliteTarget(Target):
    engine = "sqlite"

    def __init__(self, path: str, *, read_only: bool = False) -> None:
        self.conn = connect_file(path, read_only=read_only)

    def close(self) -> None:
        self.conn.close()

    def max_id(self, table: str, upto: int | None = None) -> int | None:
        where = f" WHERE id <= {int(upto)}" if upto is not None else ""
        return self.conn.execute(f'SELECT max(id) FROM "{table}"{where}').fetchone()[0]

    def count(self, table: str) -> int:
        return int(self.conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])

    def existing_keys(self, table: str, keys: Sequence[Any]) -> set[Any]:
        spec = SPECS[table]
        key = spec.columns[0].quoted
        found: set[Any] = set()
        for batch in _batches(list(keys), _SQLITE_BATCH):
            marks = ", ".join("?" for _ in batch)
            query = f"SELECT {key} FROM {spec.quoted} WHERE {key} IN ({marks})"
            found.update(row[0] for row in self.conn.execute(query, list(batch)))
        return found

    def existing_quarantines(self, table: str, row_keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for batch in _batches(list(row_keys), _SQLITE_BATCH):
            marks = ", ".join("?" for _ in batch)
            query = (
                "SELECT row_key FROM data_repairs WHERE table_name = ? AND action = 'quarantined'"
                f" AND id > ? AND row_key IN ({marks})"
            )
            found.update(row[0] for row in self.conn.execute(query, [table, self.repair_floor, *batch]))
        return found

    def reserve_repair_ids(self, floor: int) -> None:
        """Records made by this copy get ids above the source's own (AUTOINCREMENT)."""
        self.repair_floor = floor
        if floor <= 0:
            return
        self.conn.execute("BEGIN IMMEDIATE")
        current = self.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'data_repairs'").fetchone()
        if current is None:
            self.conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('data_repairs', ?)", (floor,))
        elif current[0] < floor:
            self.conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'data_repairs'", (floor,))
        self.conn.execute("COMMIT")

    def write(self, spec: TableSpec, rows: Sequence[tuple[Any, ...]], repairs: Sequence[Repair], now: datetime) -> None:
        if not rows and not repairs:
            return
        marks = ", ".join("?" for _ in spec.columns)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            if rows:
                self.conn.executemany(
                    f"INSERT INTO {spec.quoted} ({spec.column_list}) VALUES ({marks})"
                    f" ON CONFLICT ({spec.columns[0].quoted}) DO NOTHING",
                    rows,
                )
            if repairs:
                self.conn.executemany(
                    f"INSERT INTO data_repairs ({', '.join(REPAIR_COLUMNS)})"
                    f" VALUES ({', '.join('?' for _ in REPAIR_COLUMNS)})",
                    repair_rows(repairs, now),
                )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def bulk_begin(self, table: str, to_copy: int, present: int) -> bool:
        return False

    def bulk_end_later(self, table: str) -> None:
        pass

    def finish(self) -> list[str]:
        self.conn.execute("PRAGMA optimize")
        return []

    def missing_objects(self) -> list[str]:
        return []


# --------------------------------------------------------------------------
# Postgres
# --------------------------------------------------------------------------


class PostgresTarget(Target):
    engine = "postgresql"

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self.sa_engine = engine
        self.read_only = read_only
        self._raw = engine.raw_connection()
        self.pg = self._raw.driver_connection
        self.pg.autocommit = True
        self._builder: ThreadPoolExecutor | None = None
        self._builder_raw: Any = None
        self._pending: list[Future[list[str]]] = []

    def close(self) -> None:
        if self._builder is not None:
            self._builder.shutdown(wait=True)
            self._builder_raw.close()
            self._builder = None
        self._raw.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self.pg.transaction():
            self.pg.execute("SET LOCAL TimeZone = 'UTC'")
            self.pg.execute("SET LOCAL synchronous_commit = off")
            yield

    def max_id(self, table: str, upto: int | None = None) -> int | None:
        where = f" WHERE id <= {int(upto)}" if upto is not None else ""
        return self.pg.execute(f'SELECT max(id) FROM "{table}"{where}').fetchone()[0]

    def count(self, table: str) -> int:
        return int(self.pg.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])

    def existing_keys(self, table: str, keys: Sequence[Any]) -> set[Any]:
        if not keys:
            return set()
        spec = SPECS[table]
        key = spec.columns[0].quoted
        rows = self.pg.execute(f"SELECT {key} FROM {spec.quoted} WHERE {key} = ANY(%s)", (list(keys),))
        return {row[0] for row in rows}

    def existing_quarantines(self, table: str, row_keys: Sequence[str]) -> set[str]:
        if not row_keys:
            return set()
        rows = self.pg.execute(
            "SELECT row_key FROM data_repairs WHERE table_name = %s AND action = 'quarantined'"
            " AND id > %s AND row_key = ANY(%s)",
            (table, self.repair_floor, list(row_keys)),
        )
        return {row[0] for row in rows}

    def reserve_repair_ids(self, floor: int) -> None:
        self.repair_floor = floor
        if floor > 0:
            self.pg.execute(
                "SELECT setval(pg_get_serial_sequence('data_repairs', 'id'),"
                " GREATEST(%s, (SELECT COALESCE(max(id), 0) FROM data_repairs)))",
                (floor,),
            )

    def write(self, spec: TableSpec, rows: Sequence[tuple[Any, ...]], repairs: Sequence[Repair], now: datetime) -> None:
        if not rows and not repairs:
            return
        with self._transaction():
            cursor = self.pg.cursor()
            if rows:
                with cursor.copy(f"COPY {spec.quoted} ({spec.column_list}) FROM STDIN") as copy:
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row)
            if repairs:
                with cursor.copy(f"COPY data_repairs ({', '.join(REPAIR_COLUMNS)}) FROM STDIN") as copy:
                    for row in repair_rows(repairs, now):
                        copy.write_row(row)

    # ---- bulk mode -----------------------------------------------------

    def present_objects(self, table: str) -> set[str]:
        return _present_objects(self.pg, table)

    def missing_objects(self) -> list[str]:
        missing = []
        for table in COPY_ORDER:
            present = self.present_objects(table)
            missing.extend(
                f"{table}: {kind} {name}" for name, (kind, _, _) in managed_objects(table).items() if name not in present
            )
        return missing

    def bulk_begin(self, table: str, to_copy: int, present: int) -> bool:
        """Drop the table's secondary indexes and foreign key for a big load."""
        objects = managed_objects(table)
        there = self.present_objects(table)
        incomplete = any(name not in there for name in objects)
        if not incomplete and (to_copy < BULK_MIN_ROWS or to_copy < present):
            return False
        with self._transaction():
            for name, (_, _, drop) in objects.items():
                if name in there:
                    self.pg.execute(drop)
        return True

    def bulk_end(self, table: str) -> list[str]:
        return _rebuild(self.pg, table)

    def bulk_end_later(self, table: str) -> None:
        """`bulk_end` on a second connection, in the background, while the
        next tables are copied (the server builds on another core)."""
        if self._builder is None:
            self._builder_raw = self.sa_engine.raw_connection()
            self._builder_raw.driver_connection.autocommit = True
            self._builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aimhi-indexes")
        self._pending.append(self._builder.submit(_rebuild, self._builder_raw.driver_connection, table))

    def wait_for_rebuilds(self) -> list[str]:
        made: list[str] = []
        pending, self._pending = self._pending, []
        for future in pending:
            made.extend(future.result())
        return made

    def finish(self) -> list[str]:
        made = self.wait_for_rebuilds()
        for table in COPY_ORDER:
            if SPECS[table].integer_key:
                self.pg.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" COALESCE((SELECT max(id) FROM \"{table}\"), 0) + 1, false)"
                )
        for table in COPY_ORDER:
            made.extend(self.bulk_end(table))
            self.pg.execute(f'ANALYZE "{table}"')
        return made
