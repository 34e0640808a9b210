"""`aimhi erase` and `aimhi cleanup`: removing yarns from the chatbot's database.

Both go through the repository's one definition of "every row about a yarn"
(repository/erasure.py), in one transaction: all of it happens, or none.
Exit codes: 0 done; 1 (erase) no yarn with that id; 2 bad input; 3 the
database could not be used. Bad input is refused before anything is opened.
"""

from __future__ import annotations

import inspect
import sys
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from app.commands.common import EXIT_DATABASE, EXIT_NOT_FOUND, EXIT_USAGE, fail, first_line
from repository import DatabaseUnavailable, InvalidValue, Repository, RepositoryError, UnitOfWork
from repository.config import BadDatabaseURL, database_url, normalise_url, redact
from repository.queries import CHILD_TABLE_NAMES
from repository import validation as check
from repository.records import Removed

T = TypeVar("T")

DEFAULT_DAYS: int = inspect.signature(UnitOfWork.cleanup).parameters["days"].default
MAX_DAYS = 36_500  # 100 years: every date after the cut-off is still a real date
EXAMPLE_ID = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
# Rows that go with their session by ON DELETE CASCADE (the repository counts them).
CASCADED = CHILD_TABLE_NAMES
TABLE_ORDER = ("sessions", *CASCADED, "data_repairs", "system_logs")
ERASE_NOTES = {
    "sessions": "the yarn itself",
    "data_repairs": "repair records that named it",
    "system_logs": "log lines that named it",
    "analytics": "events kept as anonymous counts, its id taken out (not removed)",
}
CLEANUP_NOTES = {
    "sessions": "completed yarns started before the cut-off, each with everything of it",
    "data_repairs": "repair records from before the cut-off or naming those yarns",
    "system_logs": "log lines from before the cut-off or naming those yarns",
    "analytics": "events kept as anonymous counts, those yarns' ids taken out (not removed)",
}

url_option = click.option(
    "--url", help="Database URL (default: DATABASE_URL, else DATABASE_PROVIDER's, else the embedded SQLite file).")


def _shown(value: str) -> str:
    return repr(value[:40] + "…") if len(value) > 40 else repr(value)


class YarnId(click.ParamType):
    """A session id: a UUID (given back in canonical form, as the web API
    stores it) or a legacy id kept as written ("user 42": the old chatbot's
    ids were any text)."""

    name = "SESSION_ID"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        try:
            if text.isascii():
                return str(uuid.UUID(text))
        except ValueError:
            pass
        if not text.strip():
            self.fail(f"a session id is needed, like {EXAMPLE_ID}.", param, ctx)
        try:
            return check.key("session id", text)
        except InvalidValue as error:
            self.fail(f"{error} ({_shown(text)}).", param, ctx)
        raise AssertionError  # unreachable: fail() raises


class Days(click.ParamType):
    """A whole number of days from 1 to MAX_DAYS, written with the digits 0-9."""

    name = "DAYS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.isascii() and value.isdigit():
            number = int(value)
        else:
            number = None
        if number is None or not 1 <= number <= MAX_DAYS:
            self.fail(f"must be a whole number of days from 1 to {MAX_DAYS}, not {_shown(str(value))}.", param, ctx)
        return number


# ---- opening the database and running one unit of work --------------------------


def _resolve(explicit: str | None) -> str:
    """The URL, as `aimhi upgrade` picks it; a missing SQLite file is not created."""
    try:
        url = database_url(explicit)
    except BadDatabaseURL as error:  # DATABASE_PROVIDER without its URL: no secret involved
        fail(str(error), EXIT_USAGE, explicit)
    try:
        parsed = normalise_url(url)
    except BadDatabaseURL as error:  # its message names only the wrong part
        fail(str(error), EXIT_USAGE, url)
    path = parsed.database
    if parsed.get_backend_name() == "sqlite" and path and path != ":memory:" and not parsed.query.get("uri"):
        if not Path(path).is_file():
            fail(f"there is no database file at {path}. Check --url or DATABASE_URL "
                 "(`aimhi upgrade` creates one).", EXIT_DATABASE, url)
    return url


def _problem(error: RepositoryError, url: str) -> str:
    where = redact(url)
    if isinstance(error, DatabaseUnavailable):
        cause = f" ({first_line(error.__cause__)})" if error.__cause__ is not None else ""
        return (f"the database at {where} could not be used: {error}{cause}. The change was not confirmed; "
                "running the same command again is safe.")
    text = str(error)
    if "no such table" in text or "does not exist" in text:
        return f"{where} does not hold the chatbot's tables ({text}); run `aimhi upgrade` on it first."
    return f"{where}: {text}"


class _RollBack(Exception):
    def __init__(self, result: Any) -> None:
        super().__init__("dry run: rolled back")
        self.result = result


def _dry(repo: Repository, work: Callable[[UnitOfWork], T]) -> T:
    """`work` done for real in a transaction that is then rolled back."""
    try:
        with repo.unit_of_work() as uow:
            raise _RollBack(work(uow))
    except _RollBack as done:
        return done.result  # type: ignore[no-any-return]


def run_work(explicit: str | None, work: Callable[[UnitOfWork], T], *, dry_run: bool = False) -> tuple[T, str]:
    """(what `work` returned, the URL used); any failure exits with a clear line."""
    url = _resolve(explicit)
    try:
        repo = Repository(url)
    except BadDatabaseURL as error:
        fail(str(error), EXIT_USAGE, url)
    try:
        return (_dry(repo, work) if dry_run else repo.run(work)), url
    except InvalidValue as error:
        fail(str(error), EXIT_USAGE, url)
    except RepositoryError as error:
        fail(_problem(error, url), EXIT_DATABASE, url)
    except Exception as error:  # a driver error the repository does not name
        fail(f"could not use {redact(url)}: {type(error).__name__}: {first_line(error)}", EXIT_DATABASE, url)
    finally:
        repo.dispose()


# ---- the commands ------------------------------------------------------------------


def table_lines(removed: Removed, notes: Mapping[str, str]) -> list[str]:
    """One line per table: its name, how many rows, what they were."""
    rows = {"sessions": 0, "data_repairs": 0, "system_logs": 0, **removed.rows}  # a clean-up may find none
    names = [t for t in TABLE_ORDER if t in rows] + sorted(set(rows) - set(TABLE_ORDER))
    lines = [f"  {name:<22}{rows[name]:>6}  {notes.get(name, 'rows')}" for name in names]
    lines.append(f"  {'analytics':<22}{removed.analytics_stripped:>6}  {notes['analytics']}")
    return lines


def _erase_notes(removed: Removed) -> dict[str, str]:
    if all(table in removed.rows for table in CASCADED):
        return ERASE_NOTES
    children = "with its messages, answers, risk detections, summaries and intent classifications"
    return {**ERASE_NOTES, "sessions": f"{ERASE_NOTES['sessions']}, {children}"}


@click.command("erase", short_help="Erase one yarn and everything of it.")
@click.argument("session_id", type=YarnId())
@url_option
def erase(session_id: str, url: str | None) -> None:
    """Erase one yarn and everything of it: the session with its messages,
    answers, summaries, risk detections and intent classifications, the log
    lines and repair records that name it; analytics stay as counts, with its
    id taken out. Exit 0 erased, 1 no yarn with that id, 2 bad input, 3 the
    database could not be used."""
    removed, target = run_work(url, lambda uow: uow.erase_session(session_id))
    traces = any(count for table, count in removed.rows.items() if table != "sessions") or removed.analytics_stripped
    if removed.sessions:
        click.echo(f"Erased yarn {session_id} from {redact(target)}:")
    elif traces:
        click.echo(f"No yarn {session_id} in {redact(target)}, but rows that named it were removed:")
    else:
        click.echo(f"No yarn {session_id} in {redact(target)}: nothing to erase.", err=True)
        sys.exit(EXIT_NOT_FOUND)
    for line in table_lines(removed, _erase_notes(removed)):
        click.echo(line)
    if not removed.sessions:
        sys.exit(EXIT_NOT_FOUND)


@click.command("cleanup", short_help="Remove completed yarns older than N days, and old logs.")
@click.option("--days", type=Days(), default=DEFAULT_DAYS, show_default=True,
              help=f"Remove what is older than this many days (1 to {MAX_DAYS}).")
@url_option
@click.option("--dry-run", is_flag=True, help="Count what would be removed, then roll back: nothing changes.")
def cleanup(days: int, url: str | None, dry_run: bool) -> None:
    """Remove completed yarns started more than DAYS days ago (each erased
    whole, as `aimhi erase` does), and system logs and data repair records
    older than that. Yarns not marked completed are kept. Exit 0 done, 2 bad
    input, 3 the database could not be used."""
    removed, target = run_work(url, lambda uow: uow.cleanup(days, retention=True), dry_run=dry_run)
    cutoff = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%d %H:%M UTC")
    if dry_run:
        click.echo("Dry run: nothing was changed.")
    head = "A clean-up now would remove" if dry_run else "Removed"
    click.echo(f"{head} from {redact(target)} (cut-off: {days} day{'' if days == 1 else 's'} ago, {cutoff}):")
    for line in table_lines(removed, CLEANUP_NOTES):
        click.echo(line)
    click.echo("Yarns not marked completed are kept, however old.")
