"""The `aimhi` commands erase, cleanup, risk-eval and risk-train (and the URL
handling they share with upgrade), through click's CliRunner.

erase and cleanup run on every database leg (db_url: sqlite, postgresql,
pgbouncer), against rows written by real chat turns and by the repository.
Counts are checked against the database itself; bad input must exit non-zero
and leave every row as it was; no password ever reaches the output.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from sqlalchemy import Engine, String, cast, func, insert, select

from app.cli import main
from chat_helpers import say
from models import AnalyticsEvent, Base, DataRepair
from repository import Repository
from repository.engines import make_engine

CHILD_TABLES = ("chat_history", "user_responses", "risk_detections", "session_summaries", "intent_classifications")
ALL_TABLES = ("sessions", *CHILD_TABLES, "system_logs", "data_repairs", "analytics")
# The password contains what a pasted password may hold: an escaped @, a raw @ and a colon.
SECRET_URL = "postgresql://u:p%40ss:w@rd@127.0.0.1:1/db"
SECRET_PIECES = ("p%40ss", "p@ss", "w@rd", "ss:w")
NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=40)


def aimhi(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def printed_counts(output: str) -> dict[str, int]:
    """The per-table lines `  <table>  <count>  <what>` of erase and cleanup."""
    return {m[1]: int(m[2]) for m in re.finditer(r"^  ([a-z_]+) +(\d+)  ", output, re.MULTILINE)}


# ---- the database, read directly --------------------------------------------------


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    made = make_engine(db_url)
    yield made
    made.dispose()


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    with engine.connect() as conn:
        return {name: [tuple(row) for row in conn.execute(
            select(Base.metadata.tables[name]).order_by(*Base.metadata.tables[name].primary_key.columns))]
            for name in ALL_TABLES}


def _names(value: Any, sid: str) -> bool:
    """Does a parsed JSON value hold the id in any of its strings (case and
    wildcards exact: not a LIKE, which would over-match)?"""
    if isinstance(value, str):
        return sid in value
    if isinstance(value, dict):
        return any(_names(v, sid) for v in value.values())
    if isinstance(value, list):
        return any(_names(v, sid) for v in value)
    return False


def rows_of(engine: Engine, sid: str) -> dict[str, int]:
    """Rows that belong to a yarn (by session_id), and analytics and repair rows naming it."""
    tables = Base.metadata.tables
    with engine.connect() as conn:
        found = {name: conn.execute(select(func.count()).where(tables[name].c.session_id == sid)).scalar_one()
                 for name in ("sessions", *CHILD_TABLES, "system_logs")}
        events = conn.execute(select(AnalyticsEvent.event_data)).scalars()
        found["analytics_naming"] = sum(_names(data, sid) for data in events)
        originals = conn.execute(select(DataRepair.original)).scalars()
        found["repairs_naming"] = sum(_names(json.loads(text), sid) for text in originals if text)
    return found


def totals(engine: Engine) -> dict[str, int]:
    return {name: len(rows) for name, rows in snapshot(engine).items()}


# ---- seeding -------------------------------------------------------------------------


def chat_yarn(client: FlaskClient) -> str:
    """A yarn of a few real turns through the web API, one of them risky (a detection)."""
    sid = say(client, "hi")["session_id"]
    say(client, "my mum and my cousin", sid)
    say(client, "i want to kill myself", sid)
    return sid


def add_traces(db_url: str, engine: Engine, sid: str, when: datetime = NOW) -> None:
    """A log line by session_id, one naming it in its text, an analytics event
    naming it, and a repair record whose original row names it."""
    def write(uow: Any) -> None:
        if uow.get_session_data(sid) is not None:  # session_id is a foreign key
            uow.save_system_log("ERROR", "test", "turn failed", sid)
        else:
            uow.save_system_log("ERROR", "test", f"turn failed for {sid}")
        uow.save_system_log("WARNING", "test", f"outbox replayed a turn of {sid}")
        uow.save_analytics_event("llm_fallback_used", {"session_id": sid, "tries": 1})

    repo = Repository(db_url, clock=lambda: when)
    try:
        repo.run(write)
    finally:
        repo.dispose()
    with engine.begin() as conn:
        conn.execute(insert(DataRepair).values(
            table_name="chat_history", row_key="7", column_name="ts", action="timestamp_parsed",
            detail="test", original=json.dumps({"id": 7, "session_id": sid}), repaired_at=when))


def seed_ages(db_url: str, engine: Engine) -> dict[str, str]:
    """Yarns and logs, old (40 days) and new, for the clean-up."""
    ids = {name: str(uuid.uuid4()) for name in ("old_done", "old_open", "new_done")}

    def yarn(sid: str, done: bool) -> Any:
        def write(uow: Any) -> None:
            uow.save_message(sid, "user", "hi")
            uow.save_user_response(sid, "goals", "footy")
            if done:
                uow.mark_session_completed(sid)
        return write

    for when, name, done in ((OLD, "old_done", True), (OLD, "old_open", False), (NOW, "new_done", True)):
        repo = Repository(db_url, clock=lambda when=when: when)
        try:
            repo.run(yarn(ids[name], done))
            repo.run(lambda uow: uow.save_system_log("INFO", "test", "an ordinary line"))
        finally:
            repo.dispose()
    add_traces(db_url, engine, ids["old_done"])  # new lines, but naming an old yarn: they go with it
    with engine.begin() as conn:
        for when in (OLD, NOW):
            conn.execute(insert(DataRepair).values(
                table_name="analytics", row_key="3", column_name="event_data", action="json_wrapped",
                detail="test", original=json.dumps({"id": 3}), repaired_at=when))
    return ids


# ---- erase ---------------------------------------------------------------------------


def test_erase_removes_every_row_of_one_yarn_and_nothing_else(
        client: FlaskClient, db_url: str, engine: Engine) -> None:
    erased, kept = chat_yarn(client), chat_yarn(client)
    add_traces(db_url, engine, erased)
    add_traces(db_url, engine, kept)
    before, own, kept_before = totals(engine), rows_of(engine, erased), rows_of(engine, kept)
    assert own["chat_history"] >= 6 and own["risk_detections"] >= 1 and own["system_logs"] == 1

    result = aimhi("erase", erased, "--url", db_url)

    assert result.exit_code == 0, result.output
    assert f"Erased yarn {erased}" in result.output
    assert rows_of(engine, erased) == dict.fromkeys(own, 0)
    assert rows_of(engine, kept) == kept_before
    after, counts = totals(engine), printed_counts(result.output)
    printed = dict(counts)
    assert {t: counts.pop(t) for t in ("sessions", "data_repairs", "system_logs", "analytics")} == {
        "sessions": 1, "data_repairs": 1, "system_logs": 2, "analytics": 1}
    assert counts == {table: own[table] for table in CHILD_TABLES}  # what went with it, by cascade
    for table in ("sessions", "data_repairs", "system_logs", *CHILD_TABLES):
        assert before[table] - after[table] == (1 if table == "sessions" else own[table] if table in CHILD_TABLES
                                                else {"data_repairs": 1, "system_logs": 2}[table]), table
    assert after["analytics"] == before["analytics"]  # events stay, without the id
    assert own["analytics_naming"] == printed["analytics"]


def test_erase_accepts_any_spelling_of_the_uuid(client: FlaskClient, db_url: str, engine: Engine) -> None:
    sid = chat_yarn(client)
    result = aimhi("erase", "{" + sid.upper() + "}", "--url", db_url)
    assert result.exit_code == 0, result.output
    assert rows_of(engine, sid)["sessions"] == 0


def test_erase_of_an_unknown_yarn_says_so_and_changes_nothing(
        client: FlaskClient, db_url: str, engine: Engine) -> None:
    chat_yarn(client)
    before = snapshot(engine)
    result = aimhi("erase", str(uuid.uuid4()), "--url", db_url)
    assert result.exit_code == 1
    assert "nothing to erase" in result.stderr
    assert snapshot(engine) == before


def test_erase_of_a_gone_yarn_still_takes_the_lines_naming_it(db_url: str, engine: Engine) -> None:
    gone = str(uuid.uuid4())
    add_traces(db_url, engine, gone)
    result = aimhi("erase", gone, "--url", db_url)
    assert result.exit_code == 1  # no such yarn, as scripts need to know
    assert printed_counts(result.output) == {"sessions": 0, "data_repairs": 1, "system_logs": 2, "analytics": 1}
    assert rows_of(engine, gone) == dict.fromkeys(rows_of(engine, gone), 0)


@pytest.mark.parametrize("bad", ["", "   ", "x" * 300, "user\x0042"], ids=["empty", "blank", "too-long", "nul"])
def test_erase_refuses_what_cannot_be_a_session_id(bad: str, client: FlaskClient, db_url: str, engine: Engine) -> None:
    chat_yarn(client)
    before = snapshot(engine)
    result = aimhi("erase", bad, "--url", db_url)
    assert result.exit_code == 2
    assert "SESSION_ID" in result.stderr and "session id" in result.stderr
    assert len(result.output) < 600  # a long value is cut short
    assert snapshot(engine) == before


@pytest.mark.parametrize("legacy_id, look_alikes", [
    ("user 42", ["user_42", "USER 42"]),
    ("50%_off", ["500off", "50abcXoff"]),  # what the id would match as an unescaped LIKE pattern
    ("abc'; DROP TABLE sessions; --", ["abc; DROP TABLE sessions; --"]),
    ("a\\b", ["a\\\\b", "ab"]),
], ids=["space", "wildcards", "quote", "backslash"])
def test_erase_takes_a_legacy_id_as_written(legacy_id: str, look_alikes: list[str], db_url: str,
                                            engine: Engine) -> None:
    """The old chatbot's ids were any text: erased exactly, look-alikes kept."""
    for sid in (legacy_id, *look_alikes):
        repo = Repository(db_url)
        try:
            repo.run(lambda uow, sid=sid: (uow.save_message(sid, "user", f"hello from {sid}"),
                                           uow.save_user_response(sid, "strengths", "footy")))
        finally:
            repo.dispose()
        add_traces(db_url, engine, sid)
    kept_before = {sid: rows_of(engine, sid) for sid in look_alikes}
    result = aimhi("erase", legacy_id, "--url", db_url)
    assert result.exit_code == 0, result.output
    assert printed_counts(result.output)["sessions"] == 1
    assert rows_of(engine, legacy_id) == dict.fromkeys(rows_of(engine, legacy_id), 0)
    assert {sid: rows_of(engine, sid) for sid in look_alikes} == kept_before


# ---- cleanup -------------------------------------------------------------------------


def test_cleanup_dry_run_then_for_real(db_url: str, engine: Engine) -> None:
    ids = seed_ages(db_url, engine)
    before = snapshot(engine)
    expected = {"sessions": 1, "chat_history": 1, "user_responses": 1, "risk_detections": 0, "session_summaries": 0,
                "intent_classifications": 0, "data_repairs": 2, "system_logs": 4, "analytics": 1}

    dry = aimhi("cleanup", "--dry-run", "--url", db_url)
    assert dry.exit_code == 0, dry.output
    assert "nothing was changed" in dry.output and printed_counts(dry.output) == expected
    assert snapshot(engine) == before
    nothing = aimhi("cleanup", "--days", "50", "--dry-run", "--url", db_url)
    assert set(printed_counts(nothing.output).values()) == {0}

    real = aimhi("cleanup", "--url", db_url)

    assert real.exit_code == 0, real.output
    counts, after = printed_counts(real.output), totals(engine)
    assert counts == expected
    for table in ("sessions", "data_repairs", "system_logs"):
        assert len(before[table]) - after[table] == counts[table], table
    assert rows_of(engine, ids["old_done"]) == dict.fromkeys(rows_of(engine, ids["old_done"]), 0)
    for kept in ("old_open", "new_done"):  # not completed, or not old: kept whole
        assert rows_of(engine, ids[kept])["sessions"] == 1
        assert rows_of(engine, ids[kept])["chat_history"] == 1 and rows_of(engine, ids[kept])["user_responses"] == 1
    assert after["analytics"] == len(before["analytics"])
    assert after["system_logs"] == 1 and after["data_repairs"] == 1  # the new ordinary line and repair


BAD_DAYS = ["0", "-1", "1.5", "abc", "", "36501", "99999999999999999999", "1e3", "٣", " 5", "+5", "1_0", "0x10"]


def test_cleanup_refuses_days_that_are_not_a_whole_positive_number(db_url: str, engine: Engine) -> None:
    seed_ages(db_url, engine)
    before = snapshot(engine)
    for bad in BAD_DAYS:
        result = aimhi("cleanup", f"--days={bad}", "--url", db_url)
        assert result.exit_code == 2, (bad, result.output)
        assert "--days" in result.stderr and "whole number of days from 1 to 36500" in result.stderr, bad
    assert snapshot(engine) == before
    assert aimhi("cleanup", "--days", "36500", "--url", db_url).exit_code == 0


# ---- which database, and no password shown ----------------------------------------


@pytest.mark.parametrize("command", [
    ["erase", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"], ["cleanup"], ["cleanup", "--dry-run"], ["upgrade"],
])
@pytest.mark.parametrize("how", ["--url", "DATABASE_URL", "SUPABASE_DATABASE_URL"])
def test_no_password_in_the_output_when_the_database_is_unreachable(
        command: list[str], how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    if how == "--url":
        command = [*command, "--url", SECRET_URL]
    elif how == "DATABASE_URL":
        monkeypatch.setenv("DATABASE_URL", SECRET_URL)
    else:
        monkeypatch.setenv("DATABASE_PROVIDER", "supabase")
        monkeypatch.setenv("SUPABASE_DATABASE_URL", SECRET_URL)
    result = aimhi(*command)
    assert result.exit_code in (1, 3), result.output
    assert "Error:" in result.stderr and "u:***@127.0.0.1:1/db" in result.output
    assert "Traceback" not in result.output
    for piece in SECRET_PIECES:
        assert piece not in result.output


@pytest.mark.parametrize("command", [["erase", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"], ["cleanup"], ["upgrade"]])
def test_an_unusable_url_is_refused_without_showing_it(command: list[str]) -> None:
    result = aimhi(*command, "--url", "postgresql://u:s3cret-pw@host:99999/db")
    assert result.exit_code == 2
    assert "port" in result.stderr and "s3cret" not in result.output and "Traceback" not in result.output


def test_a_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "aimhi.db"
    for command in (["erase", str(uuid.uuid4())], ["cleanup"], ["cleanup", "--dry-run"]):
        result = aimhi(*command, "--url", f"sqlite:///{missing}")
        assert result.exit_code == 3 and "no database file" in result.stderr
    assert not missing.parent.exists()


def test_a_database_without_the_tables_points_at_upgrade(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    result = aimhi("cleanup", "--url", f"sqlite:///{empty}")
    assert result.exit_code == 3 and "aimhi upgrade" in result.stderr


# ---- risk-eval and risk-train --------------------------------------------------------


def test_risk_eval_on_one_part_prints_the_recall() -> None:
    result = aimhi("risk-eval", "--part", "dev5")
    assert result.exit_code == 0, result.output
    assert "== dev5: 100 messages" in result.output
    assert re.search(r"risky caught \(concern or crisis\): \d+/\d+ = [\d.]+%", result.output)
    assert re.search(r"crisis-tier reaching crisis: +\d+/\d+ = [\d.]+%", result.output)
    assert "== summary" not in result.output  # one part: no summary


def test_risk_eval_of_several_parts_ends_with_a_summary() -> None:
    result = aimhi("risk-eval", "--part", "dev5", "--part", "checkin_heldout.csv", "--part", "dev5")
    assert result.exit_code == 0, result.output
    assert result.output.count("== dev5:") == 1  # asked twice, measured once
    assert "== check-in answers, checkin_heldout:" in result.output
    summary = result.output.split("== summary\n")[1]
    assert "dev5 " in summary and "checkin_heldout (held out)" in summary


def test_risk_eval_lists_the_known_parts_for_an_unknown_one() -> None:
    result = aimhi("risk-eval", "--part", "dev5", "--part", "nope")
    assert result.exit_code == 2
    assert "unknown part 'nope'" in result.stderr
    assert "dev, dev2" in result.stderr and "heldout" in result.stderr and "checkin_dev" in result.stderr
    assert "== dev5" not in result.output  # refused before measuring anything


def _model_digest() -> str:
    from app.yarn.riskmodel import MODEL_PATH

    return hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest() if MODEL_PATH.exists() else ""


def test_risk_train_writes_where_asked_from_the_development_files_only(tmp_path: Path) -> None:
    # A small corpus folder (three development files, a held-out one and check-in answers beside
    # them): training on all 100k development messages took ten minutes of every CI run.
    import shutil

    from app.yarn.evaluation import CORPUS
    from app.yarn.riskmodel import RiskModel
    from app.yarn.training import file_digest

    shipped = _model_digest()
    root = tmp_path / "corpus"
    root.mkdir()
    for name in ("dev.csv", "dev2.csv", "dev10.csv", "heldout93.csv", "checkin_dev.csv", "checkin_heldout.csv"):
        shutil.copy(CORPUS / name, root / name)
    out = tmp_path / "model.npz"
    result = aimhi("risk-train", "--corpus", str(root), "--out", str(out))
    assert result.exit_code == 0, result.output
    trained = RiskModel.load(out).trained_on
    assert trained == {name: file_digest(root / name) for name in ("dev.csv", "dev2.csv", "dev10.csv")}
    for name in trained:
        assert f"  {name} " in result.output
    assert "heldout" not in result.output and "checkin" not in result.output
    assert _model_digest() == shipped  # the shipped model is never touched by the tests


def test_risk_train_refuses_a_folder_without_development_files(tmp_path: Path) -> None:
    (tmp_path / "heldout1.csv").write_text("text,category,tier,why\n", encoding="utf-8")
    result = aimhi("risk-train", "--corpus", str(tmp_path), "--out", str(tmp_path / "model.npz"))
    assert result.exit_code != 0
    assert "no development files" in result.stderr and not (tmp_path / "model.npz").exists()


def test_risk_train_without_scikit_learn_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now fails
    monkeypatch.setitem(sys.modules, "sklearn.neural_network", None)
    result = aimhi("risk-train", "--out", str(tmp_path / "model.npz"))
    assert result.exit_code == 1
    assert "scikit-learn" in result.stderr and "python -m pip install -e '.[test]'" in result.stderr
    assert not (tmp_path / "model.npz").exists()


# ---- the transfer commands' reports land where asked -------------------------------


def test_copy_report_lands_where_asked_and_by_default_in_the_current_folder(
        sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = tmp_path / "source.db", f"sqlite:///{tmp_path / 'target.db'}"
    shutil.copyfile(sqlite_template, source)
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    asked = tmp_path / "reports" / "copy.json"
    result = aimhi("copy", f"sqlite:///{source}", target, "--report", str(asked), "--quiet")
    assert result.exit_code == 0, result.output
    assert json.loads(asked.read_text())["ok"] is True
    assert list(here.iterdir()) == []
    result = aimhi("verify", f"sqlite:///{source}", target, "--quiet")
    assert result.exit_code == 0, result.output
    assert [p.name for p in here.iterdir()][0].startswith("aimhi-verify-report-")
