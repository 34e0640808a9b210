"""`aimhi verify SOURCE TARGET`: does the target hold exactly what a copy of
the source must give?

Expected rows are the source's rows *after* repair (the same rules as the
copy); the target is read as it is, nothing repaired. Table by table both are
read in key order and merged: row counts, one checksum per row (see
`transfer.checksum`), and the ids missing, unexpected or different (the first
`max_ids` of each). Memory stays bounded.

After a copy, the source side comes from the checksums the copy took while it
read the source (kept on disk in a spool), so the source is read once; rows an
earlier, interrupted run copied are read again. `aimhi verify` on its own
reads the whole source.

data_repairs holds two things: the source's own records (ids up to M, the
source's largest, compared row by row like any table) and the records the copy
made (ids above M; their ids and times depend on when the copy ran, so they
are compared as a count and an order-free fingerprint per table and action
against the repairs the source's rows need).

On Postgres the indexes and foreign keys a copy drops while loading must all
be back; the target must be at the head revision.
"""

from __future__ import annotations

import pickle
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape
from sqlalchemy.engine import URL

from models.repair import Repair
from repository.config import redact
from transfer.checksum import RepairTally, TableComparison, convert, digest
from transfer.endpoints import inspect_source, open_source, open_target_reader
from transfer.pipeline import prefetch
from transfer.reader import DEFAULT_CHUNK, Chunk, PostgresReader
from transfer.report import Report, Ui
from transfer.tables import COPY_ORDER, SPECS
from transfer.writer import PostgresTarget


class DigestSpool:
    """The (keys, checksums) a copy took of the rows it read, in read order,
    kept in a temporary file (bounded memory)."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()
        self.rows = 0
        self.late: list[tuple[Any, bytes]] = []  # placeholder sessions, after the ordered rows

    def add(self, keys: list[Any], digests: list[bytes], read: int) -> None:
        """`read`: how many source rows these came from (quarantined rows have none)."""
        if keys or read:
            pickle.dump((keys, digests, read), self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.rows += len(keys)

    def chunks(self) -> Iterator[tuple[list[Any], list[bytes], int]]:
        self.file.seek(0)
        while True:
            try:
                yield pickle.load(self.file)
            except EOFError:
                return

    def close(self) -> None:
        self.file.close()


@dataclass
class Taken:
    """What a copy already knows of one source table: rows up to `resume` were
    copied by an earlier run (read them again); the rest are in `spool`."""

    resume: Any
    spool: DigestSpool
    source_rows: int


@dataclass
class CopyKnowledge:
    tables: dict[str, Taken] = field(default_factory=dict)
    repairs: RepairTally = field(default_factory=RepairTally)

    def close(self) -> None:
        for taken in self.tables.values():
            taken.spool.close()


@dataclass
class Verification:
    equal: bool
    tables: dict[str, TableComparison] = field(default_factory=dict)
    repair_differences: list[dict[str, Any]] = field(default_factory=list)
    repairs_expected: int = 0
    repairs_found: int = 0
    missing_objects: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "equal": self.equal,
            "tables": {name: comparison.as_dict() for name, comparison in self.tables.items()},
            "repair_records": {
                "expected": self.repairs_expected,
                "found": self.repairs_found,
                "differences": self.repair_differences,
            },
            "missing_schema_objects": self.missing_objects,
        }


def _keyed(chunks: Iterable[Chunk], on_chunk: Any) -> Iterator[tuple[list[Any], list[bytes]]]:
    for chunk in chunks:
        on_chunk(chunk)
        yield chunk.keys, chunk.digests


def _then(first: Iterable[Any], second: Iterable[Any]) -> Iterator[Any]:
    yield from first
    yield from second


def verify_urls(
    source: URL,
    target: URL,
    *,
    ui: Ui,
    report: Report,
    chunk_size: int = DEFAULT_CHUNK,
    max_ids: int = 20,
    fast: bool = True,
    known: CopyKnowledge | None = None,
) -> Verification:
    inspect_source(source)
    actual = open_target_reader(target)
    expected = open_source(source, actual.engine, fast=fast)
    result = Verification(equal=True)
    expected_repairs = known.repairs if known is not None else RepairTally()
    found_repairs = RepairTally()

    def note_repairs(repairs: list[Repair]) -> None:
        if repairs:
            report.add_repairs(repairs)
            for repair in repairs:
                expected_repairs.add(repair)

    try:
        floor = expected.max_id("data_repairs") or 0
        for table in COPY_ORDER:
            comparison = TableComparison(table, cap=max_ids)
            started = time.monotonic()
            quarantined_sessions: list[Any] = []
            taken = known.tables.get(table) if known is not None else None
            total = taken.source_rows if taken is not None else expected.count(table)
            with ui.task(f"verify {table}", total) as task:

                def on_chunk(chunk: Chunk) -> None:
                    task.advance(chunk.read)
                    note_repairs(chunk.repairs)
                    if table == "sessions":
                        quarantined_sessions.extend(r.original.get("session_id") for r in chunk.quarantined)

                def on_spooled(item: tuple[list[Any], list[bytes], int]) -> tuple[list[Any], list[bytes]]:
                    task.advance(item[2])
                    return item[0], item[1]

                upto = floor if table == "data_repairs" else None
                if taken is None:
                    source_side: Iterable[tuple[list[Any], list[bytes]]] = _keyed(
                        prefetch(expected.stream(table, "verify", upto=upto, chunk_size=chunk_size)), on_chunk
                    )
                else:
                    reread: Iterable[tuple[list[Any], list[bytes]]] = ()
                    if taken.resume is not None:
                        reread = _keyed(
                            prefetch(expected.stream(table, "verify", upto=taken.resume, chunk_size=chunk_size)), on_chunk
                        )
                    source_side = _then(reread, map(on_spooled, taken.spool.chunks()))
                target_chunks = actual.stream(table, "verify", upto=upto, chunk_size=chunk_size)
                comparison.run(source_side, ((c.keys, c.digests) for c in prefetch(target_chunks)))
                if table == "sessions":
                    if taken is not None:
                        for key, value in taken.spool.late:
                            comparison.add_expected(key, value)
                    else:
                        for row, repair in expected.placeholders(quarantined_sessions):
                            normal = convert(SPECS["sessions"], row, "verify")
                            comparison.add_expected(normal[0], digest(normal))
                            note_repairs([repair])
            comparison.finish()
            comparison.seconds = time.monotonic() - started
            result.tables[table] = comparison
        for chunk in actual.stream("data_repairs", "copy", above=floor, chunk_size=chunk_size):
            for row in chunk.rows:
                found_repairs.add_fields(tuple(row[1:7]))
        if isinstance(actual, PostgresReader):
            checker = PostgresTarget(actual.sa_engine, read_only=True)
            try:
                result.missing_objects = checker.missing_objects()
            finally:
                checker.close()
    finally:
        expected.close()
        actual.close()
        for end in (actual, expected):
            engine = getattr(end, "sa_engine", None)
            if engine is not None:
                engine.dispose()
    result.repair_differences = expected_repairs.differences(found_repairs)
    result.repairs_expected = expected_repairs.total
    result.repairs_found = found_repairs.total
    result.equal = (
        all(c.equal for c in result.tables.values()) and not result.repair_differences and not result.missing_objects
    )
    return result


def describe(result: Verification, ui: Ui) -> None:
    if result.equal:
        ui.say("[bold green]Verified:[/] every table matches (row counts and per-row checksums).")
        return
    ui.say("[bold red]Verification found differences:[/]")
    for name, comparison in result.tables.items():
        if comparison.equal:
            continue
        ui.say(f"  {name}: source {comparison.expected_rows:,} rows, target {comparison.actual_rows:,} rows")
        for label, count, ids in (
            ("missing in target", comparison.missing_count, comparison.missing),
            ("unexpected in target", comparison.unexpected_count, comparison.unexpected),
            ("different", comparison.different_count, comparison.different),
        ):
            if count:
                more = f" (first {len(ids)})" if count > len(ids) else ""
                ui.say(escape(f"    {label}: {count:,}{more}: {', '.join(map(str, ids))}"))
    for item in result.repair_differences:
        ui.say(
            f"  data_repairs records for {item['table']}/{item['action']}: expected {item['expected']:,}, found {item['found']:,}"
        )
    if result.missing_objects:
        ui.say("  missing indexes / foreign keys (an interrupted copy; run the copy again): " + "; ".join(result.missing_objects))


def run_verify(
    source: URL,
    target: URL,
    *,
    ui: Ui,
    report: Report,
    chunk_size: int = DEFAULT_CHUNK,
    max_ids: int = 20,
    fast: bool = True,
    known: CopyKnowledge | None = None,
) -> Verification:
    ui.say(escape(f"Verifying {redact(target)} against {redact(source)}"))
    result = verify_urls(
        source, target, ui=ui, report=report, chunk_size=chunk_size, max_ids=max_ids, fast=fast, known=known
    )
    describe(result, ui)
    return result
