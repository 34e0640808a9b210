"""Property: random table contents -> copy -> verify says equal, and the
repository functions the chatbot calls give the same results on source and
target. SQLite -> Postgres, then that Postgres -> a new SQLite file (the
rollback path). Examples per run follow the Hypothesis profile in
tests/conftest.py; each one stays small (a few rows per table)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert

from models import Base
from models.enums import EVENT_TYPES, FSM_STATES, LOG_LEVELS, METHODS, ROLES, STEPS, SUMMARY_TYPES
from pgserver import reset_database
from legacy_api import LegacyUnderTest
from repository import Repository
from transfer_helpers import copy, sqlite_path, verify

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
KEY = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=6)
MOMENT = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2025, 6, 30), timezones=st.just(UTC)),
    st.just(NOW - timedelta(days=3)),  # ties on time: ordering falls back to id
)
FLOATS = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1e16, 1e-7, -0.0, 0.1, 2.0**53 + 2]))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | FLOATS | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
OBJECT = st.dictionaries(TEXT, JSON, max_size=4)


@st.composite
def contents(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    sessions = draw(st.lists(KEY, min_size=1, max_size=4, unique=True))
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in Base.metadata.tables}
    for sid in sessions:
        created = draw(MOMENT)
        tables["sessions"].append({
            "session_id": sid, "fsm_state": draw(st.sampled_from(FSM_STATES)), "created_at": created,
            "last_activity": draw(MOMENT), "completed": draw(st.one_of(st.none(), st.booleans())),
            "completion_time": draw(MOMENT),
        })
    pick = st.sampled_from(sessions)
    for _ in range(draw(st.integers(0, 8))):
        tables["chat_history"].append({"session_id": draw(pick), "role": draw(st.sampled_from(ROLES)),
                                       "message": draw(TEXT), "ts": draw(MOMENT)})
    for sid, step in draw(st.lists(st.tuples(pick, st.sampled_from(STEPS)), max_size=5, unique=True)):
        tables["user_responses"].append({"session_id": sid, "step": step,
                                         "response": draw(st.one_of(st.none(), st.just(""), TEXT)),
                                         "attempt_count": draw(st.one_of(st.none(), st.integers(0, 5))),
                                         "created_at": draw(MOMENT), "updated_at": draw(MOMENT)})
    for _ in range(draw(st.integers(0, 3))):
        tables["risk_detections"].append({"session_id": draw(pick), "trigger_phrase": draw(TEXT),
                                          "user_message": draw(TEXT), "detected_at": draw(MOMENT),
                                          "resources_shown": draw(st.one_of(st.none(), st.booleans()))})
    for _ in range(draw(st.integers(0, 4))):
        tables["session_summaries"].append({"session_id": draw(pick), "summary_type": draw(st.sampled_from(SUMMARY_TYPES)),
                                            "summary_data": draw(OBJECT), "generated_at": draw(MOMENT)})
    for _ in range(draw(st.integers(0, 5))):
        tables["analytics"].append({"event_type": draw(st.sampled_from(EVENT_TYPES)),
                                    "event_data": draw(st.one_of(st.none(), JSON.filter(lambda v: v is not None))),
                                    "session_count": draw(st.one_of(st.none(), st.integers(0, 3))),
                                    "timestamp": draw(MOMENT)})
    for _ in range(draw(st.integers(0, 3))):
        tables["intent_classifications"].append({
            "session_id": draw(pick), "user_message": draw(TEXT), "classified_intent": draw(TEXT),
            "confidence": draw(st.one_of(st.none(), st.floats(0, 1), st.sampled_from([0.0, -0.0, 1.0]))),
            "method": draw(st.sampled_from(METHODS)), "fsm_state": draw(st.one_of(st.none(), TEXT)),
            "inference_time_ms": draw(st.one_of(st.none(), st.integers(0, 2**31 - 1))), "created_at": draw(MOMENT),
        })
    for _ in range(draw(st.integers(0, 3))):
        tables["system_logs"].append({"log_level": draw(st.sampled_from(LOG_LEVELS)), "component": draw(TEXT),
                                      "message": draw(TEXT), "session_id": draw(st.one_of(st.none(), pick)),
                                      "error_trace": draw(st.one_of(st.none(), TEXT)), "created_at": draw(MOMENT)})
    return tables


def _fill(url: str, tables: dict[str, list[dict[str, Any]]]) -> None:
    repo = LegacyUnderTest(Repository(url))
    try:
        with repo.engine.begin() as conn:
            for table in Base.metadata.sorted_tables:
                rows = tables.get(table.name)
                if rows:
                    conn.execute(insert(table), rows)
    finally:
        repo.dispose()


def _observe(url: str, tables: dict[str, list[dict[str, Any]]]) -> Any:
    """What the chatbot can see through the repository functions."""
    repo = LegacyUnderTest(Repository(url, clock=lambda: NOW))
    try:
        seen: dict[str, Any] = {}
        for row in tables["sessions"]:
            sid = row["session_id"]
            seen[f"history {sid}"] = repo.get_history(sid, limit=100)
            seen[f"answers {sid}"] = repo.get_user_responses(sid)
            seen[f"summary {sid}"] = repo.get_latest_summary(sid)
            for kind in SUMMARY_TYPES:
                seen[f"summary {sid} {kind}"] = repo.get_latest_summary(sid, kind)
            seen[f"risks {sid}"] = repo.get_risk_detections(sid)
            seen[f"session {sid}"] = repo.get_session_data(sid)
        seen["risks"] = repo.get_risk_detections()
        for days in (1, 7, 30, 400):
            seen[f"analytics {days}"] = repo.get_analytics_summary(days)
        return seen
    finally:
        repo.dispose()


def _same(a: Any, b: Any) -> bool:
    """Equality where floats compare with == (so -0.0 == 0.0, as jsonb keeps no sign of zero)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@given(tables=contents())
def test_copy_keeps_what_the_chatbot_sees(
    tables: dict[str, list[dict[str, Any]]],
    sqlite_and_postgres_urls: tuple[str, str],
    tmp_path_factory: Any,
) -> None:
    source, postgres = sqlite_and_postgres_urls
    reset_database(source)
    reset_database(postgres)
    _fill(source, tables)
    work = tmp_path_factory.mktemp("property")

    assert copy(source, postgres, work).exit_code == 0
    assert verify(source, postgres).equal
    back = f"sqlite:///{work / 'back.db'}"
    assert copy(postgres, back, work).exit_code == 0
    assert verify(postgres, back).equal

    expected = _observe(source, tables)
    assert _same(_observe(postgres, tables), expected)
    assert _same(_observe(back, tables), expected)
    Path(sqlite_path(back)).unlink()

