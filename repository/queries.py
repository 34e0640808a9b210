"""Every statement the unit of work sends, written once from the models.

Parameters are named `bindparam`s; inserts name the columns they set. Each is
compiled once per engine (repository/sql.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import String, and_, bindparam, cast, delete, exists, func, literal_column, or_, select, update

from models import (
    AnalyticsEvent,
    ChatMessage,
    ChatSession,
    DataRepair,
    IntentClassification,
    RiskDetection,
    SessionSummary,
    SystemLog,
    UserResponse,
)
from repository import erasure
from repository.sql import Query

Insert = Callable[[Any], Any]

SESSION_COLUMNS = (ChatSession.session_id, ChatSession.fsm_state, ChatSession.created_at,
                   ChatSession.last_activity, ChatSession.completed, ChatSession.completion_time)
DETECTION_COLUMNS = (RiskDetection.id, RiskDetection.session_id, RiskDetection.trigger_phrase,
                     RiskDetection.user_message, RiskDetection.detected_at, RiskDetection.resources_shown,
                     RiskDetection.level, RiskDetection.category)


def _insert(name: str, model: Any, columns: Sequence[str]) -> Query:
    return Query(name, lambda insert: insert(model).inline(), columns=columns)


# ---- sessions ----------------------------------------------------------------

NEW_SESSION_COLUMNS = ("session_id", "fsm_state", "created_at", "last_activity", "completed")
CREATE_SESSION = Query(
    "create_session",
    lambda insert: insert(ChatSession).on_conflict_do_nothing(index_elements=["session_id"]),
    columns=NEW_SESSION_COLUMNS,
)
# save_message's parent: create the session, or touch its last_activity.
TOUCH_SESSION = Query(
    "touch_session",
    lambda insert: (lambda s: s.on_conflict_do_update(
        index_elements=["session_id"], set_={"last_activity": s.excluded.last_activity}))(insert(ChatSession)),
    columns=NEW_SESSION_COLUMNS,
)
GET_SESSION = Query("get_session", lambda insert: select(*SESSION_COLUMNS).where(
    ChatSession.session_id == bindparam("sid")))
SET_STATE = Query("set_state", lambda insert: update(ChatSession).where(
    ChatSession.session_id == bindparam("sid")).values(fsm_state=bindparam("fsm_state"), last_activity=bindparam("now")))
MARK_COMPLETED = Query("mark_completed", lambda insert: update(ChatSession).where(
    ChatSession.session_id == bindparam("sid")).values(
        completed=True, completion_time=bindparam("now"), last_activity=bindparam("now")))
DELETE_SESSION = Query("delete_session", lambda insert: delete(ChatSession).where(
    ChatSession.session_id == bindparam("sid")))
OLD_COMPLETED = Query("old_completed", lambda insert: select(ChatSession.session_id).where(
    ChatSession.completed.is_(True), ChatSession.created_at < bindparam("cutoff", type_=ChatSession.created_at.type)))

# ---- messages ------------------------------------------------------------------

ADD_MESSAGE = _insert("add_message", ChatMessage, ("session_id", "role", "message", "ts", "message_id"))
# A replayed message: written once whatever happens (the id is unique).
SET_SAFETY_CHECK = Query("set_safety_check", lambda insert: update(ChatSession).where(
    ChatSession.session_id == bindparam("sid")).values(safety_check=bindparam("safety_check")))
KEEP_MESSAGE = Query(
    "keep_message",
    lambda insert: insert(ChatMessage).on_conflict_do_nothing(index_elements=["session_id", "message_id"]),
    columns=("session_id", "role", "message", "ts", "message_id"),
)
_NEWEST_MESSAGES = (ChatMessage.ts.desc().nulls_last(), ChatMessage.id.desc())
HISTORY = Query("history", lambda insert: select(ChatMessage.role, ChatMessage.message, ChatMessage.ts).where(
    ChatMessage.session_id == bindparam("sid")).order_by(*_NEWEST_MESSAGES).limit(bindparam("n")))
HISTORY_ALL = Query("history_all", lambda insert: select(ChatMessage.role, ChatMessage.message, ChatMessage.ts).where(
    ChatMessage.session_id == bindparam("sid")).order_by(*_NEWEST_MESSAGES))
MESSAGE_IDS_PRESENT = Query("message_ids_present", lambda insert: select(func.count()).where(
    ChatMessage.session_id == bindparam("sid"), ChatMessage.message_id == bindparam("message_id")))

# ---- step answers ----------------------------------------------------------------

ANSWER_COLUMNS = ("session_id", "step", "response", "attempt_count", "created_at", "updated_at")


def _save_answer(insert: Insert) -> Any:
    statement = insert(UserResponse)
    return statement.on_conflict_do_update(index_elements=["session_id", "step"], set_={
        "response": statement.excluded.response, "attempt_count": statement.excluded.attempt_count,
        "updated_at": statement.excluded.updated_at})


def _bump_attempts(insert: Insert) -> Any:
    statement = insert(UserResponse)
    return statement.on_conflict_do_update(index_elements=["session_id", "step"], set_={
        "attempt_count": func.coalesce(UserResponse.attempt_count, 0) + 1,
        "updated_at": statement.excluded.updated_at}).returning(UserResponse.attempt_count)


SAVE_ANSWER = Query("save_answer", _save_answer, columns=ANSWER_COLUMNS)
BUMP_ATTEMPTS = Query("bump_attempts", _bump_attempts, columns=ANSWER_COLUMNS)
ANSWERS = Query("answers", lambda insert: select(UserResponse.step, UserResponse.response).where(
    UserResponse.session_id == bindparam("sid"), UserResponse.response.is_not(None), UserResponse.response != ""))

# ---- risk, summaries, analytics, logs -------------------------------------------------

ADD_DETECTION = _insert("add_detection", RiskDetection, (
    "session_id", "trigger_phrase", "user_message", "detected_at", "resources_shown", "level", "category"))
_NEWEST_DETECTIONS = (RiskDetection.detected_at.desc().nulls_last(), RiskDetection.id.desc())
DETECTIONS = Query("detections", lambda insert: select(*DETECTION_COLUMNS).order_by(
    *_NEWEST_DETECTIONS).limit(bindparam("n")))
DETECTIONS_ALL = Query("detections_all", lambda insert: select(*DETECTION_COLUMNS).order_by(*_NEWEST_DETECTIONS))
SESSION_DETECTIONS = Query("session_detections", lambda insert: select(*DETECTION_COLUMNS).where(
    RiskDetection.session_id == bindparam("sid")).order_by(*_NEWEST_DETECTIONS).limit(bindparam("n")))
SESSION_DETECTIONS_ALL = Query("session_detections_all", lambda insert: select(*DETECTION_COLUMNS).where(
    RiskDetection.session_id == bindparam("sid")).order_by(*_NEWEST_DETECTIONS))

ADD_SUMMARY = _insert("add_summary", SessionSummary, ("session_id", "summary_type", "summary_data", "generated_at"))
_NEWEST_SUMMARY = (SessionSummary.generated_at.desc().nulls_last(), SessionSummary.id.desc())
LATEST_SUMMARY = Query("latest_summary", lambda insert: select(SessionSummary.summary_data).where(
    SessionSummary.session_id == bindparam("sid")).order_by(*_NEWEST_SUMMARY).limit(1))
LATEST_SUMMARY_OF_TYPE = Query("latest_summary_of_type", lambda insert: select(SessionSummary.summary_data).where(
    SessionSummary.session_id == bindparam("sid"), SessionSummary.summary_type == bindparam("summary_type"),
).order_by(*_NEWEST_SUMMARY).limit(1))

ADD_EVENT = _insert("add_event", AnalyticsEvent, ("event_type", "event_data", "session_count", "timestamp"))
EVENT_COUNTS = Query("event_counts", lambda insert: select(AnalyticsEvent.event_type, func.count()).where(
    AnalyticsEvent.timestamp >= bindparam("cutoff", type_=AnalyticsEvent.timestamp.type)
).group_by(AnalyticsEvent.event_type))
COMPLETION = Query("completion", lambda insert: select(
    func.count(), func.count().filter(ChatSession.completed.is_(True))).where(
        ChatSession.created_at >= bindparam("cutoff", type_=ChatSession.created_at.type)))

ADD_CLASSIFICATION = _insert("add_classification", IntentClassification, (
    "session_id", "user_message", "classified_intent", "confidence", "method", "fsm_state",
    "inference_time_ms", "created_at"))
ADD_LOG = _insert("add_log", SystemLog, (
    "log_level", "component", "message", "session_id", "error_trace", "created_at"))
PING = Query("ping", lambda insert: select(literal_column("1")))

# ---- the chat turn --------------------------------------------------------------------


def _load_yarn(insert: Insert) -> Any:
    """The session (locked until commit on Postgres; SQLite's write lock is held
    already) with its answers, its user turns, whether it had a detection, and
    the reply already sent for this message id, if any."""
    sid = bindparam("sid")
    turns = select(func.count()).where(ChatMessage.session_id == sid, ChatMessage.role == "user").scalar_subquery()
    detected = exists().where(RiskDetection.session_id == sid)
    # Only this yarn's own messages: an id someone else used tells nothing.
    replayed = select(ChatMessage.message).where(
        ChatMessage.message_id == bindparam("reply_id"), ChatMessage.session_id == sid).scalar_subquery()
    return (
        select(ChatSession.fsm_state, ChatSession.completed, ChatSession.safety_check,
               UserResponse.step, UserResponse.response, UserResponse.attempt_count,
               turns.label("turns"), detected.label("had_detection"), replayed.label("replayed"))
        .outerjoin(UserResponse, UserResponse.session_id == ChatSession.session_id)
        .where(ChatSession.session_id == sid)
        .with_for_update(of=ChatSession)
    )


LOAD_YARN = Query("load_yarn", _load_yarn)
TURN_SESSION = Query("turn_session", lambda insert: update(ChatSession).where(
    ChatSession.session_id == bindparam("sid")).values(
        fsm_state=bindparam("fsm_state"), last_activity=bindparam("now"), safety_check=bindparam("safety_check")))
TURN_SESSION_COMPLETED = Query("turn_session_completed", lambda insert: update(ChatSession).where(
    ChatSession.session_id == bindparam("sid")).values(
        fsm_state=bindparam("fsm_state"), last_activity=bindparam("now"), safety_check=bindparam("safety_check"),
        completed=True, completion_time=bindparam("now")))

# ---- erasure and retention --------------------------------------------------------------
# Candidates are found with LIKE on the text, then checked exactly in Python
# (repository/erasure.py), so another yarn's rows are never touched.

def _text_like(column: Any) -> Any:
    """Rows that may name the id (erasure.like_pattern); the exact test is in Python."""
    return cast(column, String).like(bindparam(erasure.PATTERN), escape="\\")


_CHILDREN = (ChatMessage, UserResponse, RiskDetection, SessionSummary, IntentClassification)
CHILD_TABLE_NAMES: tuple[str, ...] = tuple(model.__tablename__ for model in _CHILDREN)
# A session's rows in each child table (they go with it by cascade), in one row.
CHILD_COUNTS = Query("child_counts", lambda insert: select(*(
    select(func.count()).select_from(model).where(model.session_id == bindparam("sid")).scalar_subquery()
    .label(model.__tablename__) for model in _CHILDREN)))

# Other yarns whose ids contain this one (masked when looking for mentions of it).
NEIGHBOUR_IDS = Query("neighbour_ids", lambda insert: select(ChatSession.session_id).where(
    _text_like(ChatSession.session_id), ChatSession.session_id != bindparam("sid")))
REPAIR_CANDIDATES = Query("repair_candidates", lambda insert: select(
    DataRepair.id, DataRepair.table_name, DataRepair.row_key, DataRepair.original).where(or_(
        and_(DataRepair.table_name == "sessions", DataRepair.row_key == bindparam("sid")),
        _text_like(DataRepair.original))))
DELETE_REPAIR = Query("delete_repair", lambda insert: delete(DataRepair).where(DataRepair.id == bindparam("row_id")))
LOG_CANDIDATES = Query("log_candidates", lambda insert: select(
    SystemLog.id, SystemLog.session_id, SystemLog.message, SystemLog.error_trace).where(or_(
        SystemLog.session_id == bindparam("sid"), _text_like(SystemLog.message), _text_like(SystemLog.error_trace))))
DELETE_LOG = Query("delete_log", lambda insert: delete(SystemLog).where(SystemLog.id == bindparam("row_id")))
EVENT_CANDIDATES = Query("event_candidates", lambda insert: select(AnalyticsEvent.id, AnalyticsEvent.event_data).where(
    _text_like(AnalyticsEvent.event_data)))
SET_EVENT_DATA = Query("set_event_data", lambda insert: update(AnalyticsEvent).where(
    AnalyticsEvent.id == bindparam("row_id")).values(event_data=bindparam("data", type_=AnalyticsEvent.event_data.type)))
OLD_REPAIRS = Query("old_repairs", lambda insert: delete(DataRepair).where(
    DataRepair.repaired_at < bindparam("cutoff", type_=DataRepair.repaired_at.type)))
OLD_LOGS = Query("old_logs", lambda insert: delete(SystemLog).where(
    SystemLog.created_at < bindparam("cutoff", type_=SystemLog.created_at.type)))
