"""Issue 9.3, erasure that erases: erasing a yarn leaves nothing of it in any
table (data_repairs, system_logs and analytics included; analytics keep their
rows, without the id), also for legacy ids that are not UUIDs, after
`aimhi upgrade` of a dirty legacy file and after `aimhi copy` to Postgres; the
retention clean-up does the same for expired yarns and drops old repair
records and log lines.

The check is a scan of every column of every table (erasure_helpers.scan),
not the repository's own idea of which rows belong to a yarn.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from app.cli import main
from data_helpers import START, FakeClock
from erasure_helpers import (
    SESSION_CHILDREN,
    Tables,
    add_repair,
    changed_keys,
    counts,
    dirty_legacy,
    disappeared,
    hits,
    read_tables,
    rows_naming,
    run,
    scan,
    write_yarn,
)
from repository.records import Removed
from transfer_helpers import copy

MakeDb = Callable[[str], str]
A = "0f8fad5b-d9cb-469f-a165-70867728950e"
B = "7c9e6679-7425-40de-944b-e07dc1f1ec2b"
# Legacy ids: spaces, quotes, LIKE's wildcards and escape character, JSON's
# escapes, non-ASCII; and neighbours that only look alike.
LEGACY_IDS = ("user 42", "abc'; DROP", "50%_off", "50%_offer", "500_off", "a\\b", 'say "hi"', "Ngāti-7")
ORPHAN_IDS = ("ghost 1%",)


def erase(url: str, sid: str, clock: Any = None) -> Removed:
    return run(url, lambda uow: uow.erase_session(sid), clock)  # type: ignore[no-any-return]


def removed_mismatch(removed: Removed, before: Tables, after: Tables) -> dict[str, Any]:
    """What is wrong with `removed`, if anything: every count reported must be
    the rows that disappeared; a table not reported may only have lost rows as
    a session's child (by cascade); analytics lose none and
    `analytics_stripped` is the analytics rows whose data changed."""
    gone = disappeared(before, after)
    wrong: dict[str, Any] = {t: (removed.rows[t], gone.get(t, 0)) for t in removed.rows
                             if removed.rows[t] != gone.get(t, 0)}
    wrong |= {t: ("not reported", gone[t]) for t in set(gone) - set(removed.rows) - set(SESSION_CHILDREN)}
    stripped = len(changed_keys(before, after, "analytics"))
    if removed.analytics_stripped != stripped:
        wrong["analytics_stripped"] = (removed.analytics_stripped, stripped)
    return wrong


def assert_removed_matches(removed: Removed, before: Tables, after: Tables) -> None:
    assert removed_mismatch(removed, before, after) == {}


# ---- 1. one yarn erased, the other untouched (every leg) -------------------------------


def _two_yarns(url: str) -> None:
    for sid in (A, B):
        run(url, lambda uow, sid=sid: write_yarn(uow, sid))
        add_repair(url, "sessions", sid, {"session_id": sid, "completed": "yes"}, START, "value_converted")
        add_repair(url, "chat_history", "77", {"id": 77, "session_id": sid, "role": "system"}, START, "quarantined")


def test_erase_leaves_nothing_of_the_yarn_and_all_of_the_other(db_url: str) -> None:
    _two_yarns(db_url)
    before = read_tables(db_url)
    assert {table for table, _, _ in hits(before, A)} == set(before)  # every table names A before

    removed = erase(db_url, A)

    after = read_tables(db_url)
    assert hits(after, A) == []
    assert rows_naming(after, B) == rows_naming(before, B)
    assert counts(after)["analytics"] == counts(before)["analytics"]  # stripped, not deleted
    assert removed.sessions == 1 and removed.rows["data_repairs"] == 2 and removed.rows["system_logs"] == 3
    assert removed.analytics_stripped == 5
    assert_removed_matches(removed, before, after)


def test_stripped_analytics_keep_their_anonymous_data(db_url: str) -> None:
    _two_yarns(db_url)
    erase(db_url, A)
    data = [row["event_data"] for row in read_tables(db_url)["analytics"].values()]
    assert {"turn": {"meta": {"tries": 2}}, "model": "x"} in data
    assert {"sessions": ["someone-else"], "n": 2} in data
    assert {"note": "yarn [erased] fell back"} in data
    assert {"session_id": B} in data and None in data


# ---- 2. ids that are not UUIDs ---------------------------------------------------------


def _erase_each(url: str, ids: tuple[str, ...]) -> dict[str, Any]:
    """Erase the ids one by one; what went wrong, by id: places still naming
    it, or rows of the other ids that changed."""
    problems: dict[str, Any] = {}
    remaining = list(ids)
    for sid in ids:
        remaining.remove(sid)
        before = read_tables(url)
        assert hits(before, sid), f"{sid!r} is not in the database to begin with"
        removed = erase(url, sid)
        after = read_tables(url)
        left = hits(after, sid)
        touched = [other for other in remaining if rows_naming(after, other) != rows_naming(before, other)]
        counted = removed_mismatch(removed, before, after)
        if left or touched or counted or removed.sessions != 1:
            problems[sid] = {"left": left, "others_changed": touched, "miscounted": counted,
                             "sessions_removed": removed.sessions}
        assert counts(after)["analytics"] == counts(before)["analytics"]
    return problems


def test_odd_ids_are_erased_exactly(db_url: str) -> None:
    """LIKE wildcards, quotes, backslashes: no under-match (the id's rows all
    go), no over-match ("50%_off" leaves "50%_offer" and "500_off" alone)."""
    for sid in LEGACY_IDS:
        run(db_url, lambda uow, sid=sid: write_yarn(uow, sid))
        add_repair(db_url, "chat_history", "9", {"id": 9, "session_id": sid, "role": "system"}, START, "quarantined")
    assert _erase_each(db_url, LEGACY_IDS) == {}


def _adopted(kind: str, make_empty_db: MakeDb, tmp_path: Path, **legacy: Any) -> str:
    """A dirty legacy file, adopted by `aimhi upgrade` (sqlite) or copied to a
    new Postgres database by the copy tool (postgresql)."""
    legacy_url = dirty_legacy(make_empty_db("sqlite"), LEGACY_IDS, ORPHAN_IDS, **legacy)
    if kind == "sqlite":
        result = CliRunner().invoke(main, ["upgrade", "--url", legacy_url])
        assert result.exit_code == 0, result.output
        return legacy_url
    target = make_empty_db("postgresql")
    outcome = copy(legacy_url, target, tmp_path)
    assert outcome.exit_code == 0, outcome.report.get("verification")
    return target


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_dirty_legacy_yarns_are_erased_whole_after_adoption(kind: str, make_empty_db: MakeDb, tmp_path: Path) -> None:
    url = _adopted(kind, make_empty_db, tmp_path)
    repairs = read_tables(url)["data_repairs"]
    assert all(any(h[0] == "data_repairs" for h in hits({"data_repairs": repairs}, sid)) for sid in LEGACY_IDS)
    assert _erase_each(url, (*LEGACY_IDS, *ORPHAN_IDS)) == {}


@pytest.mark.parametrize("sid", ["user 42", "50%_off"])
def test_erase_command_takes_a_legacy_id(sid: str, make_empty_db: MakeDb, tmp_path: Path) -> None:
    """`aimhi erase <legacy id>` on an adopted dirty file: nothing of it left."""
    url = _adopted("sqlite", make_empty_db, tmp_path)
    result = CliRunner().invoke(main, ["erase", sid, "--url", url])
    assert result.exit_code == 0, result.output
    assert scan(url, sid) == []
    assert scan(url, "50%_offer") and scan(url, "500_off")


# ---- 3. retention ------------------------------------------------------------------------


def _aged_yarn(url: str, clock: FakeClock, sid: str, age: timedelta, *, done: bool) -> None:
    clock.set(START - age)
    run(url, lambda uow: write_yarn(uow, sid), clock)
    if done:
        run(url, lambda uow: uow.mark_session_completed(sid), clock)


def _seed_retention(url: str, clock: FakeClock) -> dict[str, str]:
    ids = {name: f"{name}-{n}" for n, name in enumerate(("old_done", "old_open", "edge_done", "new_done"))}
    ages = {"old_done": 40, "old_open": 40, "edge_done": 30, "new_done": 1}
    for name, sid in ids.items():
        _aged_yarn(url, clock, sid, timedelta(days=ages[name]), done=name != "old_open")
    for age, name in ((40, "old"), (30, "edge"), (1, "new")):
        clock.set(START - timedelta(days=age))
        run(url, lambda uow, name=name: uow.save_system_log("INFO", "retention", f"an ordinary {name} line"), clock)
        add_repair(url, "analytics", name, {"id": 1, "note": f"{name} record"}, START - timedelta(days=age))
    # new lines naming the old yarn go with it, however new
    clock.set(START)
    run(url, lambda uow: uow.save_system_log("WARNING", "outbox", f"late line about {ids['old_done']}"), clock)
    add_repair(url, "chat_history", "5", {"id": 5, "session_id": ids["old_done"]}, START)
    return ids


def test_cleanup_erases_expired_yarns_whole_and_drops_old_logs_and_repairs(db_url: str, clock: FakeClock) -> None:
    ids = _seed_retention(db_url, clock)
    clock.set(START)
    before = read_tables(db_url)

    removed: Removed = run(db_url, lambda uow: uow.cleanup(30), clock)

    after = read_tables(db_url)
    assert scan(db_url, ids["old_done"]) == []
    assert set(after["sessions"]) == {ids["old_open"], ids["edge_done"], ids["new_done"]}
    for name in ("edge_done", "new_done"):  # exactly 30 days old is not older than 30 days
        assert rows_naming(after, ids[name]) == rows_naming(before, ids[name])
    # the open yarn keeps everything but its 40-day-old log lines (retention is by age)
    kept = rows_naming(after, ids["old_open"])
    assert {t: len(r) for t, r in kept.items() if t != "system_logs"} == \
        {t: len(r) for t, r in rows_naming(before, ids["old_open"]).items() if t != "system_logs"}
    assert "system_logs" not in kept
    messages = {row["message"] for row in after["system_logs"].values()}
    assert {"an ordinary edge line", "an ordinary new line"} <= messages
    assert "an ordinary old line" not in messages
    assert {row["row_key"] for row in after["data_repairs"].values()} == {"edge", "new"}
    assert removed.sessions == 1
    assert_removed_matches(removed, before, after)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_cleanup_of_adopted_legacy_yarns_keeps_the_boundary(kind: str, make_empty_db: MakeDb, tmp_path: Path) -> None:
    """Legacy timestamps ("YYYY-MM-DD HH:MM:SS" text, ISO with T, dd/mm/yyyy) are
    compared as times after adoption: a yarn exactly 30 days old stays on both
    engines; older completed ones go whole, their repair records included."""
    edge = (START - timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    created = {"user 42": edge, "abc'; DROP": edge.replace(" ", "T"), "50%_off": "31/01/2024 11:59",
               "50%_offer": "2024-01-31 12:00:01", "a\\b": "2024-01-01 00:00:00", "500_off": "2020-01-01 00:00:00",
               'say "hi"': "1700000000"}  # the rest: 2025, newer than the clock's 2024
    completed = {sid: "yes" for sid in LEGACY_IDS} | {"500_off": 0}
    url = _adopted(kind, make_empty_db, tmp_path, created_at=created, completed=completed)
    clock = FakeClock(START)
    before = read_tables(url)

    removed: Removed = run(url, lambda uow: uow.cleanup(30, retention=False), clock)

    after = read_tables(url)
    expired = {"50%_off", "a\\b", 'say "hi"'}  # 500_off is old but not completed
    assert set(before["sessions"]) - set(after["sessions"]) == expired
    for sid in ("user 42", "abc'; DROP", "50%_offer", "500_off"):
        assert rows_naming(after, sid) == rows_naming(before, sid), sid
    assert_removed_matches(removed, before, after)
    assert {sid: hits(after, sid) for sid in expired if hits(after, sid)} == {}


def test_cleanup_command_runs_retention(db_url: str) -> None:
    """`aimhi cleanup --days N` (real clock): old log lines and repair records go too."""
    old = START - timedelta(days=4000)  # START is in 2024: a 3-day cut-off today is long after it
    run(db_url, lambda uow: uow.save_system_log("INFO", "x", "old line"), lambda: old)
    add_repair(db_url, "analytics", "1", {"id": 1}, old)
    result = CliRunner().invoke(main, ["cleanup", "--days", "3", "--url", db_url])
    assert result.exit_code == 0, result.output
    after = read_tables(db_url)
    assert after["system_logs"] == {} and after["data_repairs"] == {}


# ---- 4. nothing to erase -------------------------------------------------------------------


@pytest.mark.parametrize("unknown", ["never-seen", "%", "_", "\\", "0f8fad5b", "user 4", " ", ""])
def test_erasing_an_unknown_id_changes_nothing(db_url: str, unknown: str) -> None:
    _two_yarns(db_url)
    run(db_url, lambda uow: write_yarn(uow, "user 42"))
    before = read_tables(db_url)
    removed = erase(db_url, unknown)
    assert read_tables(db_url) == before
    assert not any(removed.rows.values()) and removed.analytics_stripped == 0, removed


def test_an_id_that_is_a_word_of_another_id_leaves_that_yarn_alone(db_url: str) -> None:
    """Legacy ids "user" and "user 42": erasing "user" must not touch the rows
    of "user 42" where that id is a whole value (a JSON string, a repair
    record's session_id), even though "user" is a word of it."""
    for sid in ("user", "user 42"):
        run(db_url, lambda uow, sid=sid: (uow.save_message(sid, "user", "hi"),
                                          uow.save_system_log("ERROR", "chat", "turn failed", sid),
                                          uow.save_analytics_event("llm_fallback_used", {"session_id": sid}),
                                          uow.save_analytics_event("step_completed", {"sessions": [sid]})))
        add_repair(db_url, "sessions", sid, {"session_id": sid, "completed": "yes"}, START, "value_converted")
        add_repair(db_url, "chat_history", "7", {"id": 7, "session_id": sid, "role": "system"}, START, "quarantined")
    before = read_tables(db_url)
    removed = erase(db_url, "user")
    after = read_tables(db_url)
    assert rows_naming(after, "user 42") == rows_naming(before, "user 42")
    assert "user" not in after["sessions"] and removed.sessions == 1
    assert_removed_matches(removed, before, after)


def test_a_second_erase_removes_nothing(db_url: str) -> None:
    _two_yarns(db_url)
    erase(db_url, A)
    before = read_tables(db_url)
    removed = erase(db_url, A)
    assert read_tables(db_url) == before
    assert not any(removed.rows.values()) and removed.analytics_stripped == 0, removed
