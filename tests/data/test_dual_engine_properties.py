"""SQLite and Postgres side by side: the same random sequence of repository
operations on both, and after every step everything observable must be the same.

One fake clock drives both repositories, so timestamps are identical; rules move
it by 0 µs, 1 µs, seconds or days (many writes inside one second, date windows).
Strategies reach the corners: full Unicode with emoji, NUL and lone surrogates,
empty and long text, nested JSON with odd floats, big ints, None and non-ASCII
keys, NaN/Infinity, invalid enum values and numbers out of range. A value one
engine refuses the other must refuse with the same exception type, and every
exception must be one of the repository's own.

Identities may differ (a failed insert burns a Postgres sequence value), so
results are compared with their `id` keys dropped.

Examples per run follow the Hypothesis profile (tests/conftest.py: ci 200,
dev 50, thorough 1000); HYPOTHESIS_PROFILE picks it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from pgserver import reset_database
from data_helpers import FakeClock, strip_ids
from models.enums import EVENT_TYPES, FSM_STATES, LOG_LEVELS, METHODS, ROLES, STEPS, SUMMARY_TYPES
from legacy_api import LegacyUnderTest
from models.yarn import AnswerUpdate, Classification, Detection, Event, Message, TurnOutcome
from repository import Repository, RepositoryError

# --------------------------------------------------------------------------
# strategies
# --------------------------------------------------------------------------

SPECIAL_TEXT = st.sampled_from(
    [
        "", " ", "\x00", "a\x00b", "😀", "👩🏽‍🚀", "\u200b", "\r\n\t", "ä", "e\u0301", "\U0010ffff",
        "'", "\"", "%s", "%(x)s", "?", ":name", "\\", "\ud800", "ok\udfffok", "NULL", "Ω" * 300,
    ]
)
# Long text: random (incompressible, so it reaches Postgres' index row limit
# when used as a key) and repetitive.
LONG_TEXT = st.one_of(
    st.text(min_size=500, max_size=5000),
    st.builds(lambda piece, n: piece * n, st.text(min_size=1, max_size=8), st.integers(100, 600)),
)
TEXT = st.one_of(st.text(max_size=30), st.text(max_size=30), SPECIAL_TEXT, LONG_TEXT)
OPTIONAL_TEXT = st.one_of(st.none(), TEXT)

SESSION_POOL = ("s1", "s2", "ünï 😀", "", "s1 ")
SESSION_ID = st.one_of(
    st.sampled_from(SESSION_POOL),
    st.sampled_from(SESSION_POOL),
    st.sampled_from(SESSION_POOL),
    st.text(max_size=6),
    SPECIAL_TEXT,
    LONG_TEXT,
)

BAD_ENUMS = st.sampled_from(
    ["", " ", "WELCOME", "welcome ", "User", "unknown", "info", "partial\x00", "🙂", "'; DROP TABLE sessions; --"]
)


def enum(valid: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """Mostly valid values, some invalid (wrong case, padding, other types)."""
    return st.one_of(
        st.sampled_from(valid), st.sampled_from(valid), st.sampled_from(valid),
        BAD_ENUMS, st.text(max_size=8), st.sampled_from([None, 1, b"user"]),
    )


FINITE = st.floats(allow_nan=False, allow_infinity=False)
FLOAT_CORNERS = st.sampled_from([1e16, 1e-7, 5e-324, 1.5e300, -0.0, 0.1, 1.7976931348623157e308, 2.0**53 + 2])
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
JSON_KEYS = st.one_of(st.text(max_size=10), st.sampled_from(["ключ", "😀", "", "$legacy_text", "a\x00", "\ud800", "id"]))
JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from([2**63, -(2**63) - 1, 2**70, 10**30]),
    FINITE, FLOAT_CORNERS, st.text(max_size=20), SPECIAL_TEXT,
    NON_FINITE,  # NaN/Infinity: must be refused equally
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(JSON_KEYS, children, max_size=4),
    ),
    max_leaves=15,
)
JSON_OBJECT = st.dictionaries(JSON_KEYS, JSON_VALUE, max_size=5)
SUMMARY_DATA = st.one_of(
    JSON_OBJECT, JSON_OBJECT, JSON_OBJECT,
    JSON_VALUE,  # not a dict (mostly): InvalidValue
    st.dictionaries(st.integers(), JSON_LEAF, min_size=1, max_size=2),  # non-string keys
    st.sampled_from([{"when": timedelta(1)}, {"set": {1, 2}}, ({"a": 1},)]),
)
EVENT_DATA = st.one_of(st.none(), JSON_VALUE, JSON_OBJECT, st.sampled_from([{"bad": {1}}, {1: "x"}]))

CONFIDENCE = st.one_of(
    st.none(), st.floats(0, 1), st.sampled_from([0, 1, 0.0, 1.0, -0.0, 5e-324, 1.0000000000000002, -1e-300]),
    st.floats(), st.sampled_from(["0.5", True, False]),
)
INFERENCE_MS = st.one_of(st.none(), st.integers(-3, 10**6), st.sampled_from([2**31 - 1, 2**31, 1.5, True, "5"]))
ATTEMPTS = st.one_of(st.integers(-3, 10), st.sampled_from([2**31 - 1, 2**31, True, 1.0, "1", None]))
LIMIT = st.one_of(st.none(), st.integers(-2, 12), st.sampled_from([0, 1, True, 1.5, "3", 2**31 - 1, 2**31]))
DAYS = st.one_of(
    st.integers(-2, 800),
    st.sampled_from([0, 1, 7, 30, 10**6, 2**31 - 1, 2**31, True, 7.0, "7", None]),
)
CLOCK_STEP = st.one_of(
    st.just(timedelta(0)),
    st.just(timedelta(microseconds=1)),
    st.builds(timedelta, microseconds=st.integers(1, 999_999)),
    st.builds(timedelta, seconds=st.integers(1, 3600)),
    st.builds(timedelta, hours=st.integers(1, 24 * 8)),
    st.builds(timedelta, days=st.integers(1, 45)),
)

MESSAGE_ID = st.one_of(st.none(), st.none(), st.sampled_from(["m1", "m2", "m1:reply"]), st.text(max_size=6), SPECIAL_TEXT)
MESSAGES = st.lists(st.builds(Message, enum(ROLES), TEXT, MESSAGE_ID), max_size=3).map(tuple)
ANSWERS = st.lists(st.builds(AnswerUpdate, enum(STEPS), OPTIONAL_TEXT, ATTEMPTS), max_size=3).map(tuple)
EVENTS = st.lists(st.builds(Event, enum(EVENT_TYPES), EVENT_DATA), max_size=2).map(tuple)
TURN_CLASSIFICATION = st.one_of(st.none(), st.builds(Classification, TEXT, CONFIDENCE, INFERENCE_MS, enum(METHODS)))
DETECTION = st.one_of(st.none(), st.builds(Detection, enum(("concern", "crisis")), OPTIONAL_TEXT, TEXT))
SAFETY_CHECK = st.one_of(st.none(), enum(("checkin",)))
CLASSIFICATION = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"user_message": TEXT, "intent": TEXT, "confidence": CONFIDENCE, "method": enum(METHODS)},
        optional={"fsm_state": OPTIONAL_TEXT, "inference_time_ms": INFERENCE_MS},
    ),
)
SESSION_VALUES = st.fixed_dictionaries({}, optional={"fsm_state": enum(FSM_STATES), "completed": st.booleans()})


# --------------------------------------------------------------------------
# the machine
# --------------------------------------------------------------------------


Outcome = tuple[str, Any]


class DualEngineMachine(RuleBasedStateMachine):
    """Class attributes `sqlite_url`, `postgres_url`, `repos`, `clock` are set by
    the test before it runs (Hypothesis state machines cannot take fixtures)."""

    sqlite_url: str
    postgres_url: str
    repos: tuple[Repository, Repository]
    clock: FakeClock

    def __init__(self) -> None:
        super().__init__()
        reset_database(self.sqlite_url)
        reset_database(self.postgres_url)
        self.clock.set(FakeClock().now)
        self.known: set[str] = set(SESSION_POOL)

    # ---- comparing both engines -------------------------------------------

    def both(self, call: Callable[[Repository], Any], session_id: Any = None) -> Outcome:
        outcomes: list[Outcome] = []
        errors: list[BaseException] = []
        for repository in self.repos:
            try:
                outcomes.append(("ok", strip_ids(call(repository))))
            except Exception as error:  # compared below
                outcomes.append(("raised", type(error).__name__))
                errors.append(error)
        sqlite_outcome, postgres_outcome = outcomes
        assert sqlite_outcome == postgres_outcome, (
            f"engines differ:\n  sqlite:   {_short(sqlite_outcome)}\n  postgres: {_short(postgres_outcome)}\n"
            f"  errors: {[f'{type(e).__name__}: {str(e)[:300]}' for e in errors]}"
        )
        for error in errors:
            assert isinstance(error, RepositoryError), f"not a repository error: {type(error).__name__}: {error}"
        if sqlite_outcome[0] == "ok" and isinstance(session_id, str):
            self.known.add(session_id)
        return sqlite_outcome

    # ---- the clock -----------------------------------------------------------

    @rule(step=CLOCK_STEP)
    def advance_clock(self, step: timedelta) -> None:
        self.clock.advance(step)

    # ---- sessions ------------------------------------------------------------

    @rule(session_id=SESSION_ID, fsm_state=enum(FSM_STATES))
    def create_session(self, session_id: Any, fsm_state: Any) -> None:
        self.both(lambda r: r.create_session(session_id, fsm_state), session_id)

    @rule(session_id=SESSION_ID)
    def create_session_default_state(self, session_id: Any) -> None:
        self.both(lambda r: r.create_session(session_id), session_id)

    @rule(session_id=SESSION_ID, fsm_state=enum(FSM_STATES))
    def update_session_state(self, session_id: Any, fsm_state: Any) -> None:
        self.both(lambda r: r.update_session_state(session_id, fsm_state))

    @rule(session_id=SESSION_ID)
    def mark_session_completed(self, session_id: Any) -> None:
        self.both(lambda r: r.mark_session_completed(session_id))

    @rule(session_id=SESSION_ID)
    def delete_session(self, session_id: Any) -> None:
        self.both(lambda r: r.delete_session(session_id))

    @rule(days=DAYS)
    def cleanup_old_sessions(self, days: Any) -> None:
        self.both(lambda r: r.cleanup_old_sessions(days))

    @rule(session_id=SESSION_ID)
    def get_session_data(self, session_id: Any) -> None:
        self.both(lambda r: r.get_session_data(session_id))

    @rule(session_id=SESSION_ID, message_id=MESSAGE_ID)
    def load_yarn(self, session_id: Any, message_id: Any) -> None:
        def load(repository: Any) -> Any:
            with repository.unit_of_work() as uow:
                return uow.load_yarn(session_id, message_id)

        self.both(load, session_id)

    # ---- messages ------------------------------------------------------------

    @rule(session_id=SESSION_ID, role=enum(ROLES), message=TEXT)
    def save_message(self, session_id: Any, role: Any, message: Any) -> None:
        self.both(lambda r: r.save_message(session_id, role, message), session_id)

    @rule(session_id=SESSION_ID, role=enum(ROLES), messages=st.lists(TEXT, min_size=2, max_size=5))
    def burst_of_messages_in_one_instant(self, session_id: Any, role: Any, messages: list[Any]) -> None:
        for message in messages:
            self.both(lambda r: r.save_message(session_id, role, message), session_id)

    @rule(session_id=SESSION_ID, limit=LIMIT)
    def get_history(self, session_id: Any, limit: Any) -> None:
        self.both(lambda r: r.get_history(session_id, limit))

    # ---- step answers --------------------------------------------------------

    @rule(session_id=SESSION_ID, step=enum(STEPS), response=OPTIONAL_TEXT, attempts=ATTEMPTS)
    def save_user_response(self, session_id: Any, step: Any, response: Any, attempts: Any) -> None:
        self.both(lambda r: r.save_user_response(session_id, step, response, attempts), session_id)

    @rule(session_id=SESSION_ID, step=enum(STEPS), response=OPTIONAL_TEXT)
    def save_user_response_default_attempts(self, session_id: Any, step: Any, response: Any) -> None:
        self.both(lambda r: r.save_user_response(session_id, step, response), session_id)

    @rule(session_id=SESSION_ID, step=enum(STEPS))
    def update_attempt_count(self, session_id: Any, step: Any) -> None:
        self.both(lambda r: r.update_attempt_count(session_id, step), session_id)

    # ---- risk, summaries, analytics, classifications, logs ---------------------

    @rule(session_id=SESSION_ID, phrase=TEXT, message=TEXT)
    def save_risk_detection(self, session_id: Any, phrase: Any, message: Any) -> None:
        self.both(lambda r: r.save_risk_detection(session_id, phrase, message), session_id)

    @rule(session_id=st.one_of(st.none(), SESSION_ID), limit=LIMIT)
    def get_risk_detections(self, session_id: Any, limit: Any) -> None:
        self.both(lambda r: r.get_risk_detections(session_id, limit))

    @rule(session_id=SESSION_ID, summary_type=enum(SUMMARY_TYPES), data=SUMMARY_DATA)
    def save_session_summary(self, session_id: Any, summary_type: Any, data: Any) -> None:
        self.both(lambda r: r.save_session_summary(session_id, summary_type, data), session_id)

    @rule(session_id=SESSION_ID, summary_type=st.one_of(st.none(), enum(SUMMARY_TYPES)))
    def get_latest_summary(self, session_id: Any, summary_type: Any) -> None:
        self.both(lambda r: r.get_latest_summary(session_id, summary_type))

    @rule(event_type=enum(EVENT_TYPES), data=EVENT_DATA)
    def save_analytics_event(self, event_type: Any, data: Any) -> None:
        self.both(lambda r: r.save_analytics_event(event_type, data))

    @rule(days=DAYS)
    def get_analytics_summary(self, days: Any) -> None:
        self.both(lambda r: r.get_analytics_summary(days))

    @rule(session_id=SESSION_ID, classification=CLASSIFICATION.filter(lambda c: c is not None))
    def save_intent_classification(self, session_id: Any, classification: dict[str, Any]) -> None:
        self.both(lambda r: r.save_intent_classification(session_id, **classification), session_id)

    @rule(
        level=enum(LOG_LEVELS), component=TEXT, message=TEXT,
        session_id=st.one_of(st.none(), SESSION_ID), trace=OPTIONAL_TEXT,
    )
    def save_system_log(self, level: Any, component: Any, message: Any, session_id: Any, trace: Any) -> None:
        self.both(lambda r: r.save_system_log(level, component, message, session_id, trace), session_id)

    # ---- a whole chat turn in one unit of work -----------------------------------

    @rule(
        session_id=SESSION_ID, state=enum(FSM_STATES), completed=st.booleans(), messages=MESSAGES,
        answers=ANSWERS, events=EVENTS, classification=TURN_CLASSIFICATION,
        summary=st.one_of(st.none(), SUMMARY_DATA), detection=DETECTION, safety_check=SAFETY_CHECK,
    )
    def chat_turn(
        self, session_id: Any, state: Any, completed: bool, messages: Any, answers: Any, events: Any,
        classification: Any, summary: Any, detection: Any, safety_check: Any,
    ) -> None:
        def turn(repository: Any) -> Any:
            with repository.unit_of_work() as uow:
                yarn = uow.load_yarn(session_id)
                uow.record_turn(yarn, TurnOutcome(
                    "reply", state, messages=messages, answers=answers, events=events, classification=classification,
                    classified_state="welcome", summary=summary, completed=completed, detection=detection,
                    safety_check=safety_check,
                ))
            return yarn

        self.both(turn, session_id)

    # ---- everything observable, after every step ---------------------------------

    @invariant()
    def everything_observable_is_identical(self) -> None:
        sessions = sorted(self.known)
        sqlite_view, postgres_view = (_observe(repository, sessions) for repository in self.repos)
        if sqlite_view != postgres_view:
            for key in sqlite_view:
                assert sqlite_view[key] == postgres_view[key], (
                    f"{key!r} differs:\n  sqlite:   {_short(sqlite_view[key])}\n  postgres: {_short(postgres_view[key])}"
                )
        assert sqlite_view == postgres_view


def _observe(repository: Repository, sessions: list[str]) -> dict[Any, Any]:
    """What the get_* functions return, in one read transaction. (Typed summary
    look-ups and load_turn are compared by their own rules; the global risk
    list carries every session's detections.)"""
    seen: dict[Any, Any] = {}
    with repository.unit_of_work(write=False) as uow:
        for session_id in sessions:
            seen[("session", session_id)] = uow.get_session_data(session_id)
            seen[("history", session_id)] = uow.get_history(session_id, limit=None)
            seen[("yarn", session_id)] = _yarn_as_read(uow, session_id)
            seen[("responses", session_id)] = uow.get_user_responses(session_id)
            seen[("summary", session_id)] = uow.get_latest_summary(session_id)
        seen["risk"] = uow.get_risk_detections(None, limit=None)
        seen["analytics"] = [uow.get_analytics_summary(days) for days in (0, 7, 3650)]
    return strip_ids(seen)


def _yarn_as_read(uow: Any, session_id: str) -> Any:
    """What load_yarn reads (without making the session: only if it exists)."""
    try:
        return uow.load_yarn(session_id) if uow.get_session_data(session_id) is not None else None
    except RepositoryError as error:
        return type(error).__name__


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 2000 else text[:2000] + "..."


# --------------------------------------------------------------------------
# the test
# --------------------------------------------------------------------------


def test_sqlite_and_postgres_behave_identically(sqlite_and_postgres_urls: tuple[str, str]) -> None:
    sqlite_url, postgres_url = sqlite_and_postgres_urls
    clock = FakeClock()
    repos = (LegacyUnderTest(Repository(sqlite_url, clock=clock)), LegacyUnderTest(Repository(postgres_url, clock=clock)))

    class Machine(DualEngineMachine):
        pass

    Machine.sqlite_url, Machine.postgres_url, Machine.repos, Machine.clock = sqlite_url, postgres_url, repos, clock
    try:
        # max_examples comes from the loaded profile (ci: 200); only the
        # number of steps per example is chosen here.
        run_state_machine_as_test(Machine, settings=settings(stateful_step_count=30))
    finally:
        for repository in repos:
            repository.dispose()
