"""aimhi backup: a consistent copy of a live SQLite database while the chatbot
keeps writing, checked before it is declared done."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from legacy_api import LegacyUnderTest
from repository import Repository
from repository.schema import upgrade
from transfer.backup import backup
from transfer.cli import backup as backup_command
from transfer_helpers import copy, fill_clean_legacy, sqlite_path, verify

MakeDb = Callable[[str], str]


def test_backup_while_the_chatbot_writes(make_empty_db: MakeDb, tmp_path: Path) -> None:
    live = make_empty_db("sqlite")
    upgrade(live)
    repo = LegacyUnderTest(Repository(live))
    repo.create_session("s1")
    stop = threading.Event()
    written = [0]

    def chatbot() -> None:
        writer = LegacyUnderTest(Repository(live))
        try:
            while not stop.is_set():
                # one transaction: a detection and its analytics event
                writer.save_risk_detection("s1", "hurt myself", f"message {written[0]}")
                written[0] += 1
        finally:
            writer.dispose()

    thread = threading.Thread(target=chatbot)
    thread.start()
    try:
        while written[0] < 50:
            time.sleep(0.01)
        results = [backup(live, str(tmp_path / f"backup-{i}.db")) for i in range(3)]
    finally:
        stop.set()
        thread.join()
        repo.dispose()
    assert written[0] > 50
    for result in results:
        assert result.integrity == "ok"
        conn = sqlite3.connect(result.destination)
        try:
            detections = conn.execute("SELECT count(*) FROM risk_detections").fetchone()[0]
            events = conn.execute("SELECT count(*) FROM analytics WHERE event_type = 'risk_triggered'").fetchone()[0]
            assert detections == events == result.counts["risk_detections"] > 0  # never half a transaction
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        finally:
            conn.close()
        assert not Path(result.destination + ".partial").exists()
    assert results[-1].counts["risk_detections"] >= results[0].counts["risk_detections"]


def test_backup_of_a_legacy_file_copies_like_the_original(make_empty_db: MakeDb, tmp_path: Path) -> None:
    source = fill_clean_legacy(make_empty_db("sqlite"))
    result = backup(source, str(tmp_path / "legacy-backup.db"))
    copy_target = make_empty_db("postgresql")
    backup_url = f"sqlite:///{result.destination}"
    assert copy(backup_url, copy_target, tmp_path).exit_code == 0
    assert verify(source, copy_target).equal  # the backup holds exactly the source's rows


def test_backup_cli(make_empty_db: MakeDb, tmp_path: Path) -> None:
    source = fill_clean_legacy(make_empty_db("sqlite"))
    dest = tmp_path / "b.db"
    runner = CliRunner()
    result = runner.invoke(backup_command, [source, str(dest)])
    assert result.exit_code == 0, result.output
    assert "integrity_check ok" in result.output and "chat_history 12" in result.output
    result = runner.invoke(backup_command, [source, str(dest)])
    assert result.exit_code == 3 and "exists" in result.output
    result = runner.invoke(backup_command, [source, str(dest), "--overwrite"])
    assert result.exit_code == 0
    result = runner.invoke(backup_command, ["postgresql://postgres:pw@127.0.0.1/x", str(tmp_path / "c.db")])
    assert result.exit_code == 3 and "pw" not in result.output
    result = runner.invoke(backup_command, [source, sqlite_path(source)])
    assert result.exit_code == 3
