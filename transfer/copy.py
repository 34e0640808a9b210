"""`aimhi copy SOURCE TARGET`: every table, in key order, in chunks; then
`verify`. See `transfer.writer` for how a re-run resumes without duplicates
and `transfer.reader` for how dirty legacy rows are repaired on the way."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.markup import escape
from sqlalchemy.engine import URL

from repository.config import behind_transaction_pooler, redact
from transfer.checksum import convert, digest
from transfer.endpoints import (
    TransferError,
    first_line,
    inspect_source,
    open_dry_target,
    open_source,
    parse_url,
    prepare_target,
    same_database,
    scrub,
)
from transfer.pipeline import prefetch
from transfer.reader import DEFAULT_CHUNK
from transfer.report import Report, Ui, default_report_path
from transfer.tables import COPY_ORDER, SPECS
from transfer.verify import CopyKnowledge, DigestSpool, Taken, run_verify
from transfer.writer import Target

EXIT_OK = 0
EXIT_DIFFERENT = 1
EXIT_ERROR = 3


@dataclass
class Options:
    chunk_size: int = DEFAULT_CHUNK
    dry_run: bool = False
    defer_indexes: bool = True
    max_ids: int = 20
    fast: bool = True  # the whole-chunk shortcut for clean rows (tests turn it off to compare)


@dataclass
class Outcome:
    exit_code: int
    report: dict[str, Any]
    report_path: Path | None


def _copy_table(
    reader: Any, target: Target, table: str, floor: int, now: datetime, options: Options, ui: Ui, report: Report,
    known: CopyKnowledge,
) -> dict[str, Any]:
    spec = SPECS[table]
    total = reader.count(table)
    resume = None
    if spec.integer_key:
        resume = target.max_id(table, upto=floor if table == "data_repairs" else None)
    skipped = total - reader.count(table, after=resume) if resume is not None else 0
    stats: dict[str, Any] = {
        "source_rows": total, "already_there": skipped, "copied": 0, "quarantined": 0, "placeholders": 0,
        "repairs_recorded": 0,
    }
    dry = options.dry_run
    bulk = False
    if not dry and options.defer_indexes:
        bulk = target.bulk_begin(table, total - skipped, target.count(table))
    stats["bulk_load"] = bulk
    spool = DigestSpool()
    known.tables[table] = Taken(resume=None if dry else resume, spool=spool, source_rows=total)
    started = time.monotonic()
    quarantined_sessions: list[Any] = []
    with ui.task(table, total, 0 if dry else skipped) as task:
        # A dry run reads everything (to list every dirty row) but counts only what would be written.
        chunks = reader.stream(
            table, "copy", after=None if dry else resume, chunk_size=options.chunk_size, checksums=not dry
        )
        for chunk in prefetch(chunks):
            rows, repairs = chunk.rows, chunk.repairs
            report.add_repairs(repairs)
            for repair in repairs:
                known.repairs.add(repair)
            spool.add(chunk.keys, chunk.digests, chunk.read)
            if dry and resume is not None:
                rows = [row for row in rows if row[0] > resume]
            if table == "sessions":
                quarantined_sessions.extend(repair.original.get("session_id") for repair in chunk.quarantined)
                existing = target.existing_keys(table, [row[0] for row in rows])
                if existing:
                    stats["already_there"] += len(existing)
                    rows = [row for row in rows if row[0] not in existing]
                    repairs = [r for r in repairs if r.action == "quarantined" or r.row_key not in existing]
            if chunk.quarantined:
                done = target.existing_quarantines(table, [repair.row_key for repair in chunk.quarantined])
                if done:
                    repairs = [r for r in repairs if not (r.action == "quarantined" and r.row_key in done)]
                stats["quarantined"] += sum(1 for r in chunk.quarantined if r.row_key not in done)
            if not dry:
                target.write(spec, rows, repairs, now)
            stats["copied"] += len(rows)
            stats["repairs_recorded"] += len(repairs)
            task.advance(chunk.read)
        if table == "sessions":
            placeholders = reader.placeholders(quarantined_sessions)
            if placeholders:
                task.grow(len(placeholders))
                stored = [convert(spec, row, "copy") for row, _ in placeholders]
                for (row, repair), values in zip(placeholders, stored):
                    normal = convert(spec, row, "verify")
                    spool.late.append((normal[0], digest(normal)))
                    report.add_repairs([repair])
                    known.repairs.add(repair)
                existing = target.existing_keys(table, [values[0] for values in stored])
                new = [(values, repair) for values, (_, repair) in zip(stored, placeholders) if values[0] not in existing]
                if not dry:
                    target.write(spec, [values for values, _ in new], [repair for _, repair in new], now)
                stats["placeholders"] = len(new)
                stats["copied"] += len(new)
                stats["repairs_recorded"] += len(new)
                stats["already_there"] += len(placeholders) - len(new)
                task.advance(len(placeholders))
    if bulk:
        target.bulk_end_later(table)  # indexes and foreign key made again while the next table copies
    seconds = time.monotonic() - started
    stats["seconds"] = round(seconds, 3)
    stats["rows_per_s"] = round(stats["copied"] / seconds, 1) if seconds > 0 else None
    return stats


def run_copy(source: str, target: str, options: Options, *, ui: Ui, report_path: Path | None = None) -> Outcome:
    source_url, target_url = parse_url(source), parse_url(target)
    if same_database(source_url, target_url):
        raise TransferError("the source and the target are the same database")
    info = inspect_source(source_url)
    report = Report(
        "copy",
        source=redact(source_url),
        target=redact(target_url),
        source_engine=info.engine,
        source_schema=info.state,
        source_revision=info.revision,
        target_engine=target_url.get_backend_name(),
        dry_run=options.dry_run,
    )
    mode = "Dry run (nothing is written)" if options.dry_run else "Copying"
    ui.say(escape(f"{mode}: {redact(source_url)} ({info.engine}, {info.state} schema) -> {redact(target_url)}"))
    if target_url.get_backend_name() == "postgresql" and behind_transaction_pooler(target_url) and not options.dry_run:
        ui.say("[yellow]Note:[/] the target is a transaction pooler; Supabase advises the direct or session "
               "connection (port 5432) for migrations and bulk loads.")
    try:
        return _run(source_url, target_url, options, ui, report, report_path)
    except BaseException as error:  # the report says what happened, then the error goes on
        message = "interrupted" if isinstance(error, KeyboardInterrupt) else scrub(first_line(error), source_url, target_url)
        report.finish(ok=False, error=message)
        report.write(report_path or default_report_path("copy"))
        raise


def _run(source_url: URL, target_url: URL, options: Options, ui: Ui, report: Report, report_path: Path | None) -> Outcome:
    reader = open_source(source_url, target_url.get_backend_name(), fast=options.fast)
    writer: Any = None
    try:
        if options.dry_run:
            writer, target_state = open_dry_target(target_url)
        else:
            writer, target_state = prepare_target(target_url)
    except BaseException:
        reader.close()
        raise
    report.data["target_state_before"] = target_state
    tables: dict[str, dict[str, Any]] = {}
    now = datetime.now(UTC)
    known = CopyKnowledge()
    try:
        floor = reader.max_id("data_repairs") or 0
        if options.dry_run:
            writer.repair_floor = floor
        else:
            writer.reserve_repair_ids(floor)
        report.data["source_repair_records"] = floor
        for table in COPY_ORDER:
            if not reader.has_table(table):
                continue
            tables[table] = _copy_table(reader, writer, table, floor, now, options, ui, report, known)
        if not options.dry_run:
            report.data["rebuilt_after_bulk_load"] = writer.finish()
        report.data["tables"] = tables
    except BaseException:
        known.close()
        raise
    finally:
        for end in (reader, writer):
            if end is None:
                continue
            end.close()
            engine = getattr(end, "sa_engine", None)
            if engine is not None:
                engine.dispose()
    copied_seconds = round(time.monotonic() - report.started, 3)
    if options.dry_run:
        known.close()
        report.finish(tables=tables, copy_seconds=copied_seconds, ok=True)
        return _done(report, report_path, ui, EXIT_OK)
    try:
        verification = run_verify(
            source_url, target_url, ui=ui, report=report, chunk_size=options.chunk_size, max_ids=options.max_ids,
            fast=options.fast, known=known,
        )
    finally:
        known.close()
    for name, comparison in verification.tables.items():
        if name in tables:
            tables[name]["target_rows"] = comparison.actual_rows
            tables[name]["verified"] = comparison.equal
    report.finish(tables=tables, copy_seconds=copied_seconds, verification=verification.as_dict(), ok=verification.equal)
    return _done(report, report_path, ui, EXIT_OK if verification.equal else EXIT_DIFFERENT)


def _done(report: Report, path: Path | None, ui: Ui, code: int) -> Outcome:
    path = path or default_report_path(report.data["command"])
    report.write(path)
    ui.stop()
    if not ui.quiet:
        report.print_summary(ui.console)
        seconds = report.data["seconds"]
        rows = sum(t.get("copied", 0) for t in report.data.get("tables", {}).values())
        verb = "would copy" if report.data.get("dry_run") else "copied"
        ui.say(f"{verb.capitalize()} {rows:,} rows in {seconds:,.1f} s. Report: {path}")
    return Outcome(code, report.data, path)
