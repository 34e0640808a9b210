"""The click commands `copy`, `verify` and `backup` (added to the `aimhi` group
by app/cli.py; also runnable as `python -m transfer ...`).

Exit codes: 0 done and verified; 1 verification found differences;
2 wrong usage; 3 the transfer could not run (unreachable database, schema
mismatch, ...); 130 interrupted (run the same command again to resume).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from transfer.backup import backup as run_backup
from transfer.copy import EXIT_DIFFERENT, EXIT_ERROR, EXIT_OK, Options, run_copy
from transfer.endpoints import TransferError, first_line, parse_url, scrub
from transfer.pipeline import fewer_collections
from transfer.reader import DEFAULT_CHUNK
from transfer.report import Report, Ui, default_report_path
from transfer.verify import run_verify

EXIT_INTERRUPTED = 130


def _fail(message: str, *urls: str) -> None:
    parsed = []
    for text in urls:
        try:
            parsed.append(parse_url(text))
        except Exception:
            pass
    click.echo(f"Error: {scrub(message, *parsed)}", err=True)


def _guard(run, urls: tuple[str, ...]) -> int:  # type: ignore[no-untyped-def]
    try:
        return int(run())
    except TransferError as error:
        _fail(str(error), *urls)
        return EXIT_ERROR
    except KeyboardInterrupt:
        _fail("interrupted; every finished chunk is kept. Run the same command again to finish.", *urls)
        return EXIT_INTERRUPTED
    except Exception as error:  # driver errors: say what, never the password
        _fail(f"{type(getattr(error, 'orig', None) or error).__name__}: {first_line(error)}", *urls)
        return EXIT_ERROR


def _ui(quiet: bool) -> Ui:
    return Ui(Console(), quiet=quiet)


report_option = click.option(
    "--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the JSON report (default: aimhi-<command>-report-<time>.json here).",
)
chunk_option = click.option(
    "--chunk-size", type=click.IntRange(100, 1_000_000), default=DEFAULT_CHUNK, show_default=True,
    help="Rows per read and per write transaction.",
)
ids_option = click.option(
    "--max-ids", type=click.IntRange(0, 100_000), default=20, show_default=True,
    help="How many differing ids to list per table and kind.",
)
quiet_option = click.option("--quiet", is_flag=True, help="No progress bars or summary (the report is still written).")


@click.command("copy")
@click.argument("source_url")
@click.argument("target_url")
@click.option("--dry-run", is_flag=True, help="Read the source and report what would be copied and every dirty row; write nothing.")
@click.option("--keep-indexes", is_flag=True, help="Postgres: keep indexes and foreign keys while loading (slower).")
@report_option
@chunk_option
@ids_option
@quiet_option
def copy(source_url: str, target_url: str, dry_run: bool, keep_indexes: bool, report_path: Path | None,
         chunk_size: int, max_ids: int, quiet: bool) -> None:
    """Copy all tables from SOURCE_URL to TARGET_URL, then verify.

    Either may be an SQLite file (legacy schema v2 or current; a bare path
    works) or Postgres (Supabase's connection string as printed). The target
    is brought to the latest schema first; the source is only read. Safe to
    run again: a re-run finishes an interrupted copy and adds no duplicates.
    """
    options = Options(chunk_size=chunk_size, dry_run=dry_run, defer_indexes=not keep_indexes, max_ids=max_ids)
    ui = _ui(quiet)

    def run() -> int:
        with ui, fewer_collections():
            return run_copy(source_url, target_url, options, ui=ui, report_path=report_path).exit_code

    sys.exit(_guard(run, (source_url, target_url)))


@click.command("verify")
@click.argument("source_url")
@click.argument("target_url")
@report_option
@chunk_option
@ids_option
@quiet_option
def verify(source_url: str, target_url: str, report_path: Path | None, chunk_size: int, max_ids: int, quiet: bool) -> None:
    """Compare TARGET_URL with what a copy of SOURCE_URL must give: row counts
    and a checksum per row, table by table. Exit 0 only when they match."""

    def run() -> int:
        source, target = parse_url(source_url), parse_url(target_url)
        from repository.config import redact

        ui = _ui(quiet)
        report = Report("verify", source=redact(source), target=redact(target), target_engine=target.get_backend_name())
        with ui, fewer_collections():
            result = run_verify(source, target, ui=ui, report=report, chunk_size=chunk_size, max_ids=max_ids)
        tables = {name: {"source_rows": c.expected_rows, "target_rows": c.actual_rows, "verified": c.equal}
                  for name, c in result.tables.items()}
        report.finish(tables=tables, verification=result.as_dict(), ok=result.equal)
        path = report_path or default_report_path("verify")
        report.write(path)
        ui.stop()
        if not quiet:
            report.print_summary(ui.console)
            ui.say(f"Report: {path}")
        return EXIT_OK if result.equal else EXIT_DIFFERENT

    sys.exit(_guard(run, (source_url, target_url)))


@click.command("backup")
@click.argument("sqlite_url")
@click.argument("dest_file", type=click.Path(dir_okay=False))
@click.option("--overwrite", is_flag=True, help="Replace DEST_FILE if it exists.")
def backup(sqlite_url: str, dest_file: str, overwrite: bool) -> None:
    """Take a consistent copy of a live SQLite database (SQLite's online backup
    API, while the chatbot keeps writing) and check it before saying done."""

    def run() -> int:
        result = run_backup(sqlite_url, dest_file, overwrite=overwrite)
        rows = ", ".join(f"{table} {count:,}" for table, count in result.counts.items())
        click.echo(f"Backup written: {result.destination} ({result.bytes:,} bytes, {result.seconds:.2f} s)")
        click.echo(f"Checked: integrity_check {result.integrity}; row counts match the source snapshot: {rows}")
        if result.orphan_rows:
            click.echo(f"Note: {result.orphan_rows} rows without a parent session (as in the source; `aimhi copy` repairs them)")
        return EXIT_OK

    sys.exit(_guard(run, (sqlite_url,)))


__all__ = ["backup", "copy", "verify"]
