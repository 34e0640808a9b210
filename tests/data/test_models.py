"""The models and their portable types on SQLite and Postgres: JSON and
UTCDateTime round trips, constraint names, CHECK constraints as a second guard
at the database level, and the three legacy views."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, ForeignKey, inspect, insert, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from data_helpers import FakeClock, assert_utc
from models import (
    ALL_TABLES,
    LEGACY_TABLES,
    NAMING_CONVENTION,
    SESSION_CHILD_TABLES,
    AnalyticsEvent,
    Base,
    ChatSession,
)
from models.enums import EVENT_TYPES, FSM_STATES, sql_in_list
from legacy_schema import legacy_statements
from models.types import JSONValue, UTCDateTime, as_utc, json_dumps, json_loads
from legacy_schema import VIEW_NAMES
from legacy_api import LegacyUnderTest
from repository import Repository
from repository.engines import make_engine

analytics = AnalyticsEvent.__table__
sessions = ChatSession.__table__


@pytest.fixture
def engine(db_url: str) -> Any:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


# --------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------

JSON_CASES: dict[str, Any] = {
    "nested": {"a": {"b": {"c": [1, [2, [3, {"d": None}]]]}}, "e": [True, False, None, "", 0]},
    "floats": {"big": 1e16, "small": 1e-7, "subnormal": 5e-324, "huge": 1.5e300, "max": 1.7976931348623157e308,
               "tenth": 0.1, "third": 1 / 3, "neg": -2.5e-10, "whole": 3.0, "2^53+2": 2.0**53 + 2},
    "ints": {"zero": 0, "int64-max": 2**63 - 1, "beyond-int64": 2**63, "2^70": 2**70, "neg": -(10**30)},
    "unicode-keys": {"ключ": "значение", "😀": ["👩🏽‍🚀"], "": None, "é": {"ü": "ß"}, "\u200b": "zero width",
                     "$legacy_text": "looks like a repair"},
    "strings": {"quote": "\"'", "backslash": "\\", "controls": "\t\n\r\x01\x1f\x7f", "line-sep": "\u2028",
                "astral": "\U0010ffff", "long": "y" * 10_000},
    "list-top-level": [1, 2.0, "three", None, {"four": 4}],
    "scalar-int": 7,
    "scalar-float": 1e16,
    "scalar-string": "just text",
    "scalar-bool": False,
    "deep": json.loads("[" * 60 + "1" + "]" * 60),
    "empty-object": {},
    "empty-list": [],
}


def same_json(left: Any, right: Any) -> bool:
    """Equal, and every number kept its kind (a float stays a float)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return type(left) is type(right) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_json(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same_json(a, b) for a, b in zip(left, right))
    return type(left) is type(right) and left == right


def store_event_data(engine: Engine, value: Any) -> Any:
    with engine.begin() as connection:
        row_id = connection.execute(
            insert(analytics).values(event_type="step_completed", event_data=value).returning(analytics.c.id)
        ).scalar_one()
        return connection.execute(select(analytics.c.event_data).where(analytics.c.id == row_id)).scalar_one()


@pytest.mark.parametrize("value", list(JSON_CASES.values()), ids=list(JSON_CASES))
def test_json_round_trips_with_number_kinds_kept(engine: Engine, value: Any) -> None:
    assert same_json(store_event_data(engine, value), value)


def test_json_summary_round_trips_through_the_repository(db_url: str) -> None:
    repo = LegacyUnderTest(Repository(db_url, clock=FakeClock()))
    try:
        repo.create_session("s")
        data = {key: value for key, value in JSON_CASES.items()}
        repo.save_session_summary("s", "complete", data)
        assert same_json(repo.get_latest_summary("s"), data)
    finally:
        repo.dispose()


def test_top_level_json_null_is_sql_null(engine: Engine) -> None:
    assert store_event_data(engine, None) is None
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM analytics WHERE event_data IS NULL")).scalar_one() == 1
    assert store_event_data(engine, [None]) == [None]
    assert store_event_data(engine, {"a": None}) == {"a": None}


def test_json_column_types(engine: Engine, engine_name: str) -> None:
    """jsonb on Postgres; on SQLite a TEXT column (as in the legacy schema): a
    column declared JSON has NUMERIC affinity, and SQLite would turn a stored
    top-level number's text into INTEGER/REAL (3.0 -> 3, big ints rounded)."""
    for table, column in (("analytics", "event_data"), ("session_summaries", "summary_data")):
        columns = {c["name"]: c["type"] for c in inspect(engine).get_columns(table)}
        kind = type(columns[column]).__name__.upper()
        assert kind == ("JSONB" if engine_name != "sqlite" else "TEXT"), (table, kind)
    for value in (3.0, 12345678901234567890123, -0.5, 1e16):
        assert same_json(store_event_data(engine, value), value)
    if engine_name == "sqlite":
        with engine.connect() as connection:
            assert set(connection.execute(text("SELECT typeof(event_data) FROM analytics")).scalars()) == {"text"}


def test_json_is_identical_on_both_engines(sqlite_and_postgres_urls: tuple[str, str]) -> None:
    engines = [make_engine(url) for url in sqlite_and_postgres_urls]
    try:
        for name, value in JSON_CASES.items():
            sqlite_value, postgres_value = (store_event_data(engine, value) for engine in engines)
            assert same_json(sqlite_value, postgres_value), name
    finally:
        for engine in engines:
            engine.dispose()


JSON_STRATEGY = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([1e16, 1e-7, 5e-324, 1.5e300, -0.0, 2.0**63]),
        st.text().filter(lambda s: "\x00" not in s),
    ),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.text(max_size=8).filter(lambda s: "\x00" not in s), children, max_size=4
    ),
    max_leaves=20,
)


@given(value=JSON_STRATEGY)
def test_json_serialiser_round_trips(value: Any) -> None:
    encoded = json_dumps(value)
    assert same_json(json_loads(encoded), value)
    assert same_json(json.loads(encoded), value)  # plain JSON any reader takes
    assert "e" not in re.sub(r'"(?:[^"\\]|\\.)*"', "", encoded).lower().replace("true", "").replace("false", "")


@given(value=JSON_STRATEGY)
def test_json_values_are_identical_on_both_engines(sqlite_and_postgres_urls: tuple[str, str], value: Any) -> None:
    engines = _pair_engines(sqlite_and_postgres_urls)
    sqlite_value, postgres_value = (store_event_data(engine, value) for engine in engines)
    assert same_json(sqlite_value, value)
    assert same_json(postgres_value, value), (value, postgres_value)


_engine_cache: dict[tuple[str, str], list[Engine]] = {}


def _pair_engines(urls: tuple[str, str]) -> list[Engine]:
    # One pair of engines per fixture value, not per example.
    if urls not in _engine_cache:
        for old in _engine_cache.values():
            for engine in old:
                engine.dispose()
        _engine_cache.clear()
        _engine_cache[urls] = [make_engine(url) for url in urls]
    return _engine_cache[urls]


@pytest.fixture(autouse=True, scope="module")
def _dispose_pair_engines() -> Any:
    yield
    for engines in _engine_cache.values():
        for engine in engines:
            engine.dispose()
    _engine_cache.clear()


def test_json_serialiser_details() -> None:
    assert json_dumps(1e16) == "10000000000000000.0"  # jsonb would read 1e16 as an integer
    assert json_dumps(1e-7) == "0.0000001"
    assert json_dumps(5e-324).startswith("0.000") and json_dumps(5e-324).endswith("5")
    assert json_dumps(3.0) == "3.0"
    assert json_dumps(2**70) == str(2**70)
    assert json_dumps((1, "é")) == '[1,"é"]'  # tuples are lists; no ASCII escaping
    assert json_dumps({"a": [True, False, None]}) == '{"a":[true,false,null]}'
    for bad in (math.nan, math.inf, -math.inf, [1, {"x": math.nan}]):
        with pytest.raises(ValueError):
            json_dumps(bad)
    for bad in ({1: "x"}, {"s": {1}}, datetime.now(UTC), b"bytes"):
        with pytest.raises(TypeError):
            json_dumps(bad)
    assert json_loads(b'{"a": 1}') == {"a": 1}


# --------------------------------------------------------------------------
# UTCDateTime
# --------------------------------------------------------------------------


def store_session_times(engine: Engine, session_id: str, created: datetime) -> dict[str, Any]:
    with engine.begin() as connection:
        connection.execute(insert(sessions).values(session_id=session_id, created_at=created, last_activity=created))
        return dict(connection.execute(select(sessions).where(sessions.c.session_id == session_id)).mappings().one())


@pytest.mark.parametrize("given_time,expected", [
    (datetime(2024, 1, 5, 10, 0, 0, 123456), datetime(2024, 1, 5, 10, 0, 0, 123456, tzinfo=UTC)),
    (datetime(2024, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=9, minutes=30))), datetime(2024, 1, 5, 0, 30, tzinfo=UTC)),
    (datetime(2024, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=-5))), datetime(2024, 1, 5, 15, 0, tzinfo=UTC)),
    (datetime(1970, 1, 1, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC)),
    (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
], ids=["naive-is-utc", "darwin", "new-york", "epoch", "max"])
def test_utc_datetime_round_trip(engine: Engine, given_time: datetime, expected: datetime) -> None:
    row = store_session_times(engine, "s", given_time)
    assert row["created_at"] == expected
    assert_utc(row["created_at"])
    assert row["completion_time"] is None


def test_utc_datetime_refuses_other_types(engine: Engine) -> None:
    with pytest.raises(StatementError, match="expected a datetime"):
        store_session_times(engine, "s", "2024-01-05 10:00:00")  # type: ignore[arg-type]


def test_as_utc() -> None:
    assert as_utc(datetime(2024, 1, 1)) == datetime(2024, 1, 1, tzinfo=UTC)
    assert as_utc(datetime(2024, 1, 1, 10, tzinfo=timezone(timedelta(hours=10)))).tzinfo is UTC


def test_sqlite_stores_canonical_utc_text_and_postgres_timestamptz(engine: Engine, engine_name: str) -> None:
    store_session_times(engine, "s", datetime(2024, 1, 5, 10, 0, 0, 5, tzinfo=timezone(timedelta(hours=10))))
    with engine.connect() as connection:
        if engine_name == "sqlite":
            assert connection.execute(text("SELECT created_at, typeof(created_at) FROM sessions")).one() == (
                "2024-01-05 00:00:00.000005", "text",
            )
        else:
            kind = connection.execute(text(
                "SELECT data_type FROM information_schema.columns WHERE table_name = 'sessions' AND column_name = 'created_at'"
            )).scalar_one()
            assert kind == "timestamp with time zone"


def test_server_default_timestamps_match_the_repository_format(engine: Engine, engine_name: str) -> None:
    """Rows written by hand (no timestamps given) get 'now' in the same form."""
    before = datetime.now(UTC) - timedelta(seconds=5)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO sessions (session_id) VALUES ('by-hand')"))
        connection.execute(text("INSERT INTO analytics (event_type) VALUES ('session_started')"))
        row = connection.execute(select(sessions).where(sessions.c.session_id == "by-hand")).mappings().one()
        event = connection.execute(select(analytics)).mappings().one()
        if engine_name == "sqlite":
            raw = connection.execute(text("SELECT created_at FROM sessions")).scalar_one()
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", raw), raw
    after = datetime.now(UTC) + timedelta(seconds=5)
    assert before <= row["created_at"] <= after and row["created_at"] == row["last_activity"]
    assert_utc(row["created_at"])
    assert (row["fsm_state"], row["completed"]) == ("welcome", False)
    assert (event["session_count"], event["event_data"]) == (1, None)
    assert before <= event["timestamp"] <= after


def test_postgres_session_time_zone_does_not_leak(sqlite_and_postgres_urls: tuple[str, str]) -> None:
    """A libpq startup option, so directly (pgbouncer is set to ignore it)."""
    postgres_url = sqlite_and_postgres_urls[1]
    url = postgres_url + ("&" if "?" in postgres_url else "?") + "options=-c%20TimeZone%3DPacific/Kiritimati"
    repo = LegacyUnderTest(Repository(url, clock=FakeClock(datetime(2024, 2, 29, 23, 30, tzinfo=UTC))))
    try:
        with repo.engine.connect() as connection:
            assert connection.execute(text("SHOW TimeZone")).scalar_one() == "Pacific/Kiritimati"
        repo.save_message("s", "user", "hi")
        repo.save_analytics_event("session_started")
        assert repo.get_history("s")[0]["ts"] == datetime(2024, 2, 29, 23, 30, tzinfo=UTC)
        assert repo.get_history("s")[0]["ts"].tzinfo is UTC
        with repo.engine.connect() as connection:
            # Days in the views are UTC days, whatever the session's zone (+14 here).
            assert connection.execute(text("SELECT date FROM daily_analytics")).scalar_one() == "2024-02-29"
            assert connection.execute(text("SELECT date FROM session_completion_stats")).scalar_one() == "2024-02-29"
    finally:
        repo.dispose()


# --------------------------------------------------------------------------
# names, constraints, indexes
# --------------------------------------------------------------------------


def expected_constraints() -> set[tuple[str, str, str]]:
    kinds = {"PrimaryKeyConstraint": "p", "ForeignKeyConstraint": "f", "CheckConstraint": "c", "UniqueConstraint": "u"}
    return {
        (table.name, str(constraint.name), kinds[type(constraint).__name__])
        for table in Base.metadata.sorted_tables
        for constraint in table.constraints
    }


def expected_indexes() -> set[tuple[str, str]]:
    names = {(table.name, str(index.name)) for table in Base.metadata.sorted_tables for index in table.indexes}
    names |= {(table, name) for table, name, kind in expected_constraints() if kind in "pu"}
    return names


def test_metadata_names_follow_the_convention() -> None:
    prefixes = {"p": "pk_", "f": "fk_", "c": "ck_", "u": "uq_"}
    for table, name, kind in expected_constraints():
        assert name.startswith(prefixes[kind] + table), name
    for table, name in expected_indexes():
        assert re.match(rf"(ix|pk|uq)_{table}", name), name
    assert set(NAMING_CONVENTION) == {"ix", "uq", "ck", "fk", "pk"}


@pytest.mark.postgres_only
def test_every_constraint_and_index_is_named_by_convention_on_postgres(db_url: str, engine_name: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            constraints = {
                (row.table, row.name, row.kind) for row in connection.execute(text(
                    "SELECT c.relname AS table, k.conname AS name, k.contype AS kind "
                    "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relname <> 'alembic_version'"
                ))
            }
            indexes = {
                (row.tablename, row.indexname) for row in connection.execute(text(
                    "SELECT tablename, indexname FROM pg_indexes "
                    "WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
                ))
            }
    finally:
        engine.dispose()
    assert constraints == expected_constraints()
    assert indexes == expected_indexes()
    assert not {name for _, name, _ in constraints if not name.startswith(("pk_", "fk_", "ck_", "uq_", "ix_"))}


def test_constraint_names_survive_on_sqlite(sqlite_and_postgres_urls: tuple[str, str]) -> None:
    engine = make_engine(sqlite_and_postgres_urls[0])
    try:
        inspector = inspect(engine)
        found: set[tuple[str, str, str]] = set()
        for table in ALL_TABLES:
            found |= {(table, c["name"], "c") for c in inspector.get_check_constraints(table)}
            found |= {(table, c["name"], "u") for c in inspector.get_unique_constraints(table)}
            found |= {(table, c["name"], "f") for c in inspector.get_foreign_keys(table)}
            # An AUTOINCREMENT key must be declared inline on its column, where
            # SQLite keeps no constraint name; only sessions' key keeps it.
            pk_name = inspector.get_pk_constraint(table)["name"]
            found.add((table, pk_name or f"pk_{table}", "p"))
            assert (pk_name is None) == (table != "sessions"), (table, pk_name)
            indexes = {i["name"] for i in inspector.get_indexes(table)}
            assert {(table, name) for name in indexes} == {
                (t, n) for t, n in expected_indexes() if t == table and n.startswith("ix_")
            }
    finally:
        engine.dispose()
    assert found == expected_constraints()


DB_LEVEL_VIOLATIONS = {
    "fsm_state": "INSERT INTO sessions (session_id, fsm_state) VALUES ('x', 'done')",
    "role": "INSERT INTO chat_history (session_id, role, message) VALUES ('s', 'robot', 'hi')",
    "step": "INSERT INTO user_responses (session_id, step) VALUES ('s', 'welcome')",
    "summary_type": "INSERT INTO session_summaries (session_id, summary_type, summary_data) VALUES ('s', 'final', '{}')",
    "event_type": "INSERT INTO analytics (event_type) VALUES ('nope')",
    "method": "INSERT INTO intent_classifications (session_id, user_message, classified_intent, method) "
              "VALUES ('s', 'm', 'i', 'llm')",
    "confidence-high": "INSERT INTO intent_classifications (session_id, user_message, classified_intent, method, confidence) "
                       "VALUES ('s', 'm', 'i', 'hybrid', 1.5)",
    "confidence-low": "INSERT INTO intent_classifications (session_id, user_message, classified_intent, method, confidence) "
                      "VALUES ('s', 'm', 'i', 'hybrid', -0.1)",
    "inference_time_ms": "INSERT INTO intent_classifications (session_id, user_message, classified_intent, method, "
                         "inference_time_ms) VALUES ('s', 'm', 'i', 'hybrid', -1)",
    "log_level": "INSERT INTO system_logs (log_level, component, message) VALUES ('warning', 'c', 'm')",
    "foreign-key": "INSERT INTO chat_history (session_id, role, message) VALUES ('nope', 'user', 'hi')",
    "foreign-key-log": "INSERT INTO system_logs (log_level, component, message, session_id) VALUES ('INFO', 'c', 'm', 'nope')",
    "unique-step": "INSERT INTO user_responses (session_id, step) VALUES ('s', 'goals')",
    "not-null": "INSERT INTO chat_history (session_id, role, message) VALUES ('s', 'user', NULL)",
    "not-null-json": "INSERT INTO session_summaries (session_id, summary_type, summary_data) VALUES ('s', 'partial', NULL)",
    "primary-key": "INSERT INTO sessions (session_id) VALUES ('s')",
}


@pytest.mark.parametrize("statement", list(DB_LEVEL_VIOLATIONS.values()), ids=list(DB_LEVEL_VIOLATIONS))
def test_the_database_itself_refuses_bad_rows(engine: Engine, statement: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO sessions (session_id) VALUES ('s')"))
        connection.execute(text("INSERT INTO user_responses (session_id, step) VALUES ('s', 'goals')"))
    with pytest.raises(IntegrityError):
        with engine.begin() as connection:
            connection.execute(text(statement))


def test_valid_rows_written_by_hand_are_accepted(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO sessions (session_id, fsm_state) VALUES ('s', 'llm_conversation')"))
        for sql in (
            "INSERT INTO intent_classifications (session_id, user_message, classified_intent, method, confidence, "
            "inference_time_ms) VALUES ('s', 'm', 'i', 'hybrid', 0, 0)",
            "INSERT INTO intent_classifications (session_id, user_message, classified_intent, method, confidence) "
            "VALUES ('s', 'm', 'i', 'distilbert', 1)",
            "INSERT INTO intent_classifications (session_id, user_message, classified_intent, method) "
            "VALUES ('s', 'm', 'i', 'rule_based')",
            "INSERT INTO system_logs (log_level, component, message) VALUES ('CRITICAL', 'c', 'no session')",
        ):
            connection.execute(text(sql))
        connection.execute(text("DELETE FROM sessions WHERE session_id = 's'"))
        # ON DELETE CASCADE at the database level
        assert connection.execute(text("SELECT COUNT(*) FROM intent_classifications")).scalar_one() == 0
        assert connection.execute(text("SELECT COUNT(*) FROM system_logs")).scalar_one() == 1


def test_table_lists_and_foreign_keys() -> None:
    assert set(ALL_TABLES) == set(Base.metadata.tables)
    assert set(LEGACY_TABLES) == set(ALL_TABLES) - {"data_repairs"}
    for name in SESSION_CHILD_TABLES:
        (fk,) = Base.metadata.tables[name].foreign_keys
        assert isinstance(fk, ForeignKey)
        assert (fk.column.table.name, fk.column.name, fk.ondelete) == ("sessions", "session_id", "CASCADE")
    assert not Base.metadata.tables["analytics"].foreign_keys  # aggregate stats outlive sessions
    assert not Base.metadata.tables["data_repairs"].foreign_keys


def test_check_list_text() -> None:
    assert sql_in_list("c", ("a", "it's")) == "c IN ('a', 'it''s')"
    assert sql_in_list("fsm_state", FSM_STATES).count("'") == 2 * len(FSM_STATES)
    assert len(set(EVENT_TYPES)) == len(EVENT_TYPES) == 8


def test_legacy_script_statements() -> None:
    statements = legacy_statements()
    kinds = [" ".join(s.split()[:2]).upper() for s in statements]
    assert kinds.count("CREATE TABLE") == 8 and kinds.count("CREATE INDEX") == 18 and kinds.count("CREATE VIEW") == 3
    assert len(statements) == 29
    assert not any(s.lstrip().startswith("--") for s in statements)


def test_portable_types_compile_per_dialect() -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    assert isinstance(JSONValue().load_dialect_impl(postgresql.dialect()), postgresql.JSONB)
    assert isinstance(JSONValue().load_dialect_impl(sqlite.dialect()), sqlite.JSON)
    assert str(JSONValue().compile(dialect=sqlite.dialect())) == "TEXT"
    assert str(JSONValue().compile(dialect=postgresql.dialect())) == "JSONB"
    assert "TIMESTAMP WITH TIME ZONE" in str(UTCDateTime().compile(dialect=postgresql.dialect()))


# --------------------------------------------------------------------------
# views
# --------------------------------------------------------------------------


def test_views_exist_on_both_engines(engine: Engine) -> None:
    assert set(inspect(engine).get_view_names()) == set(VIEW_NAMES)


def _fill_for_views(repo: Repository, engine: Engine, now: datetime) -> None:
    clock = repo.clock
    assert isinstance(clock, FakeClock)
    sessions_plan = [
        ("old-done-1", 40, True), ("old-done-2", 31, True), ("old-open", 40, False), ("young-done", 29, True),
        ("two-days-done", 2, True), ("two-days-open-1", 2, False), ("two-days-open-2", 2, False), ("today", 0, False),
    ]
    for session_id, age, completed in sessions_plan:
        clock.set(now - timedelta(days=age))
        repo.create_session(session_id)
        if completed:
            repo.mark_session_completed(session_id)
    # Day boundaries in UTC: the last microsecond of a day and the first of the next.
    for when, event_type in [
        (datetime(2024, 2, 28, 23, 59, 59, 999999, tzinfo=UTC), "session_started"),
        (datetime(2024, 2, 29, 0, 0, tzinfo=UTC), "session_started"),
        (datetime(2024, 2, 29, 12, 0, tzinfo=UTC), "step_completed"),
        (datetime(2024, 2, 29, 12, 0, tzinfo=UTC), "step_completed"),
        (datetime(2024, 2, 29, 13, 0, tzinfo=timezone(timedelta(hours=14))), "risk_triggered"),  # 23:00 UTC on 28th
    ]:
        clock.set(when)
        repo.save_analytics_event(event_type, {"at": when.isoformat()})
    with engine.begin() as connection:  # session_count other than 1 (legacy rows)
        connection.execute(insert(analytics).values(
            event_type="session_completed", session_count=3, timestamp=datetime(2024, 2, 29, 1, tzinfo=UTC)
        ))


def _view_rows(engine: Engine, view: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET TIME ZONE 'Australia/Darwin'"))  # must not matter
        rows = connection.execute(text(f"SELECT * FROM {view}")).all()
    out = []
    for row in rows:
        values = []
        for value in row:
            if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", value):
                value = datetime.fromisoformat(value).replace(tzinfo=UTC)  # SQLite's timestamp text
            elif isinstance(value, datetime):
                value = value.astimezone(UTC)
            values.append(value)
        out.append(tuple(values))
    return out


def test_views_return_the_same_rows_on_both_engines(sqlite_and_postgres_urls: tuple[str, str]) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    engines, repos = [], []
    try:
        for url in sqlite_and_postgres_urls:
            engine = make_engine(url)
            repo = LegacyUnderTest(Repository(engine.url, clock=FakeClock()))
            engines.append(engine)
            repos.append(repo)
            _fill_for_views(repo, engine, now)
        sqlite_engine, postgres_engine = engines
        results = {}
        for view in VIEW_NAMES:
            sqlite_rows, postgres_rows = _view_rows(sqlite_engine, view), _view_rows(postgres_engine, view)
            if view == "sessions_to_cleanup":  # no ORDER BY in the view
                sqlite_rows, postgres_rows = sorted(sqlite_rows), sorted(postgres_rows)
            assert sqlite_rows == postgres_rows, view
            for row in sqlite_rows + postgres_rows:
                assert all(type(value) in (str, int, float, datetime) for value in row), row
            results[view] = postgres_rows
    finally:
        for engine in engines:
            engine.dispose()

    assert results["sessions_to_cleanup"] == sorted([
        ("old-done-1", now - timedelta(days=40)), ("old-done-2", now - timedelta(days=31)),
    ])
    assert results["daily_analytics"] == [
        ("2024-02-29", "session_completed", 1, 3),
        ("2024-02-29", "session_started", 1, 1),
        ("2024-02-29", "step_completed", 2, 2),
        ("2024-02-28", "risk_triggered", 1, 1),
        ("2024-02-28", "session_started", 1, 1),
    ]
    day = lambda age: (now - timedelta(days=age)).date().isoformat()  # noqa: E731
    stats = {row[0]: row[1:] for row in results["session_completion_stats"]}
    assert stats[day(2)] == (3, 1, 33.33)
    assert stats[day(0)] == (1, 0, 0.0)
    assert stats[day(29)] == (1, 1, 100.0)
    assert [row[0] for row in results["session_completion_stats"]] == sorted(stats, reverse=True)
    assert all(type(row[3]) is float for row in results["session_completion_stats"])


# --------------------------------------------------------------------------
# models.repair: the rules of the table in its docstring, for both targets
# --------------------------------------------------------------------------

from models.repair import (  # noqa: E402
    ACTIONS,
    LEGACY_TEXT_KEY,
    NUL_REPLACEMENT,
    Repair,
    RowRepairer,
    original_text,
    parse_timestamp,
    placeholder_session,
)


@pytest.mark.parametrize("value,expected", [
    ("2024-01-05 10:00:00", datetime(2024, 1, 5, 10, tzinfo=UTC)),
    ("2024-01-05T10:00:00Z", datetime(2024, 1, 5, 10, tzinfo=UTC)),
    ("2024-01-05T20:00:00+10:00", datetime(2024, 1, 5, 10, tzinfo=UTC)),
    ("05/01/2024 10:00", datetime(2024, 1, 5, 10, tzinfo=UTC)),  # day first (Australia)
    ("1704448800", datetime(2024, 1, 5, 10, tzinfo=UTC)),
    ("1704448800.5", datetime(2024, 1, 5, 10, 0, 0, 500000, tzinfo=UTC)),
    (1704448800, datetime(2024, 1, 5, 10, tzinfo=UTC)),
    (1704448800.25, datetime(2024, 1, 5, 10, 0, 0, 250000, tzinfo=UTC)),
    (datetime(2024, 1, 5, 10), datetime(2024, 1, 5, 10, tzinfo=UTC)),
    (datetime(2024, 1, 5, 20, tzinfo=timezone(timedelta(hours=10))), datetime(2024, 1, 5, 10, tzinfo=UTC)),
    (None, None),
])
def test_parse_timestamp(value: Any, expected: datetime | None) -> None:
    parsed = parse_timestamp(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", ["garbage", "yesterday-ish", "32/13/2024 99:99"])
def test_parse_timestamp_refuses_garbage(value: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(value)


def _actions(repairs: list[Repair]) -> dict[str | None, str]:
    return {repair.column: repair.action for repair in repairs}


def test_repair_targets_postgres_nul_and_json() -> None:
    row = {"id": 1, "session_id": "s", "role": "user", "message": "a\x00b\x00", "ts": "2024-01-05 10:00:00"}
    fixed, repairs = RowRepairer("chat_history", "postgresql").repair(row)
    assert fixed is not None and fixed["message"] == f"a{NUL_REPLACEMENT}b{NUL_REPLACEMENT}"
    assert fixed["ts"] == datetime(2024, 1, 5, 10, tzinfo=UTC)
    assert _actions(repairs) == {"message": "nul_replaced"}
    assert json.loads(original_text(repairs[0].original))["message"] == "a\x00b\x00"  # the original, exactly
    # The same row for SQLite keeps its NUL.
    fixed, repairs = RowRepairer("chat_history", "sqlite").repair(row)
    assert fixed is not None and fixed["message"] == "a\x00b\x00" and repairs == []

    summary = {"id": 2, "session_id": "s", "summary_type": "partial", "summary_data": '{"k": "x\\u0000y"}',
               "generated_at": None}
    fixed, repairs = RowRepairer("session_summaries", "postgresql").repair(summary)
    assert fixed is not None and fixed["summary_data"] == {LEGACY_TEXT_KEY: '{"k": "x\\u0000y"}'}
    assert _actions(repairs) == {"summary_data": "json_wrapped"}
    fixed, _ = RowRepairer("session_summaries", "sqlite").repair(summary)
    assert fixed is not None and fixed["summary_data"] == {"k": "x\x00y"}
    raw_nul = dict(summary, summary_data="not\x00json")
    fixed, _ = RowRepairer("session_summaries", "postgresql").repair(raw_nul)
    assert fixed is not None and fixed["summary_data"] == {LEGACY_TEXT_KEY: f"not{NUL_REPLACEMENT}json"}
    decoded = dict(summary, summary_data={"already": "decoded"})
    assert RowRepairer("session_summaries", "postgresql").repair(decoded)[0]["summary_data"] == {"already": "decoded"}
    as_bytes = dict(summary, summary_data=b"\xffnot json")
    fixed, _ = RowRepairer("session_summaries", "sqlite").repair(as_bytes)
    assert fixed is not None and fixed["summary_data"] == {LEGACY_TEXT_KEY: "\ufffdnot json"}
    surrogate = dict(summary, summary_data='{"k": "\\ud800"}')
    fixed, _ = RowRepairer("session_summaries", "sqlite").repair(surrogate)
    assert fixed is not None and LEGACY_TEXT_KEY in fixed["summary_data"]


@pytest.mark.parametrize("table,row,reason", [
    ("intent_classifications", {"id": 1, "confidence": "high"}, "not a number"),
    ("intent_classifications", {"id": 1, "confidence": math.inf}, "not a finite number"),
    ("intent_classifications", {"id": 1, "confidence": 1.5}, "outside"),
    ("intent_classifications", {"id": 1, "inference_time_ms": -1}, "outside"),
    ("intent_classifications", {"id": 1, "inference_time_ms": 2.5}, "not a whole number"),
    ("intent_classifications", {"id": 1, "method": "llm"}, "not one of"),
    ("risk_detections", {"id": 1, "resources_shown": "perhaps"}, "not a boolean"),
    ("chat_history", {"id": 1, "session_id": None, "role": "user", "message": "m"}, "NULL"),
])
def test_repair_quarantines_what_the_schema_cannot_take(table: str, row: dict[str, Any], reason: str) -> None:
    full = {"session_id": "s", "user_message": "m", "classified_intent": "i", "method": "hybrid",
            "trigger_phrase": "p", "role": "user", "message": "m"} | row
    columns = set(Base.metadata.tables[table].columns.keys())
    full = {key: value for key, value in full.items() if key in columns}
    for target in ("sqlite", "postgresql"):
        fixed, repairs = RowRepairer(table, target).repair(full)
        assert fixed is None
        (repair,) = repairs
        assert (repair.action, repair.column, repair.row_key) == ("quarantined", None, "1")
        assert reason in repair.detail
        assert json.loads(repair.as_row(datetime.now(UTC))["original"]) == json.loads(original_text(full))


def test_repair_conversions() -> None:
    row = {"id": 7, "session_id": "s", "user_message": "m", "classified_intent": "i", "confidence": "0.25",
           "method": "hybrid", "fsm_state": None, "inference_time_ms": "12", "created_at": 1704448800}
    fixed, repairs = RowRepairer("intent_classifications", "postgresql").repair(row)
    assert fixed is not None and (fixed["confidence"], fixed["inference_time_ms"]) == (0.25, 12)
    assert fixed["created_at"] == datetime(2024, 1, 5, 10, tzinfo=UTC)
    assert _actions(repairs) == {"confidence": "value_converted", "inference_time_ms": "value_converted",
                                 "created_at": "timestamp_parsed"}
    whole = dict(row, inference_time_ms=3.0, confidence=1)
    assert RowRepairer("intent_classifications", "sqlite").repair(whole)[0]["inference_time_ms"] == 3
    session = {"session_id": "s", "fsm_state": "nowhere", "created_at": "garbage", "last_activity": None,
               "completed": "TRUE", "completion_time": None}
    fixed, repairs = RowRepairer("sessions", "postgresql").repair(session)
    assert fixed is not None and (fixed["fsm_state"], fixed["created_at"], fixed["completed"]) == ("welcome", None, True)
    assert _actions(repairs) == {"fsm_state": "value_replaced", "created_at": "timestamp_unparseable",
                                 "completed": "value_converted"}
    assert {repair.action for repair in repairs} <= set(ACTIONS)
    assert RowRepairer("sessions", "sqlite").repair(dict(session, completed=0, fsm_state="goals",
                                                          created_at=None))[1] == []


def test_original_text_keeps_everything_recoverable() -> None:
    row = {"b": b"\x00\xff", "t": datetime(2024, 1, 5, 10, tzinfo=UTC), "n": "nul\x00", "u": "😀", "x": 1.5}
    text_form = original_text(row)
    assert "\x00" not in text_form and text_form.isascii()  # storable on Postgres
    assert json.loads(text_form) == {"b": {"$bytes_hex": "00ff"}, "t": "2024-01-05T10:00:00+00:00",
                                     "n": "nul\x00", "u": "😀", "x": 1.5}
    assert json.loads(original_text({"other": Decimal("1.5")})) == {"other": "1.5"}


def test_placeholder_session() -> None:
    when = datetime(2024, 1, 3, 8, tzinfo=UTC)
    row, repair = placeholder_session("ghost", when, "chat_history")
    assert row == {"session_id": "ghost", "fsm_state": "welcome", "created_at": when, "last_activity": when,
                   "completed": False, "completion_time": None}
    assert (repair.table, repair.row_key, repair.action) == ("sessions", "ghost", "placeholder_parent")
    assert "chat_history" in repair.detail
