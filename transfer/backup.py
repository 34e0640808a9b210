"""`aimhi backup SQLITE_URL DEST_FILE`: a consistent copy of a live SQLite
database, made with SQLite's online backup API while the chatbot keeps writing.

The source is opened read-only and one read transaction is held while the
backup runs in a single step: in WAL mode writers carry on, and the backup is
the database exactly as it was when that transaction began (a file copy could
catch a half-written page or miss the -wal file). Row counts are taken in the
same transaction, so they describe the same moment. The copy is written next
to DEST_FILE as `<name>.partial`, checked (`PRAGMA integrity_check`, the same
row counts, `PRAGMA foreign_key_check` reported), and only then renamed to
DEST_FILE. The backup is one self-contained file (rollback journal mode).
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transfer.endpoints import TransferError, parse_url, sqlite_path
from repository.engines.sqlite import connect_file


@dataclass
class BackupResult:
    source: str
    destination: str
    pages: int
    bytes: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    integrity: str = "ok"
    orphan_rows: int = 0


def _user_tables(conn: sqlite3.Connection) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {table: int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]) for table in _user_tables(conn)}


def backup(source: str, destination: str, *, overwrite: bool = False) -> BackupResult:
    url = parse_url(source)
    if url.get_backend_name() != "sqlite":
        raise TransferError("backup copies an SQLite database; for Postgres use Supabase's backups or pg_dump")
    path = sqlite_path(url)
    if not os.path.isfile(path):
        raise TransferError(f"source file not found: {path}")
    dest = Path(destination).expanduser().resolve()
    if str(dest) == path:
        raise TransferError("the backup cannot overwrite its source")
    if dest.exists() and not overwrite:
        raise TransferError(f"{dest} exists already (use --overwrite to replace it)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm"), Path(f"{partial}-journal")):
        leftover.unlink(missing_ok=True)

    started = time.monotonic()
    src = connect_file(path, read_only=True)
    try:
        src.execute("BEGIN")
        counts = _counts(src)  # starts the read transaction: the snapshot the backup copies
        dst = sqlite3.connect(partial, isolation_level=None)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
        src.execute("COMMIT")
    finally:
        src.close()

    check = sqlite3.connect(partial, isolation_level=None)
    try:
        integrity = "; ".join(str(row[0]) for row in check.execute("PRAGMA integrity_check"))
        copied = _counts(check)
        orphans = len(check.execute("PRAGMA foreign_key_check").fetchall())
        pages = int(check.execute("PRAGMA page_count").fetchone()[0])
    finally:
        check.close()
    if integrity != "ok":
        raise TransferError(f"the backup failed its integrity check ({integrity}); {partial} kept for inspection")
    if copied != counts:
        raise TransferError(f"the backup's row counts {copied} differ from the source's {counts}; {partial} kept")
    with open(partial, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, dest)
    return BackupResult(
        source=path,
        destination=str(dest),
        pages=pages,
        bytes=dest.stat().st_size,
        seconds=round(time.monotonic() - started, 3),
        counts=counts,
        integrity=integrity,
        orphan_rows=orphans,
    )


def as_dict(result: BackupResult) -> dict[str, Any]:
    return result.__dict__.copy()
