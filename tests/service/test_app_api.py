"""Every bad input, the JSON errors, history, erase, analytics auth, health,
logging to system_logs, and the round trips of a turn."""

from __future__ import annotations

import logging
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from chat_helpers import say
from models import SystemLog
from legacy_api import LegacyUnderTest
from app.yarn.resources import CRISIS_RESOURCES
from repository import Repository


def error_of(response) -> str:
    assert response.is_json, response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body["error"]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": "hello", "content_type": "text/plain"}, 415),
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"json": ["a", "list"]}, 400),
        ({"json": {}}, 400),
        ({"json": {"message": None}}, 400),
        ({"json": {"message": 42}}, 400),
        ({"json": {"message": "   \n\t "}}, 400),
        ({"json": {"message": "x" * 1001}}, 400),
        ({"json": {"message": "hi\x00there"}}, 400),
        ({"json": {"message": "hi", "session_id": "not-a-uuid"}}, 400),
        ({"json": {"message": "hi", "session_id": 12}}, 400),
        ({"data": "x" * (70 * 1024), "content_type": "application/json"}, 413),
    ],
    ids=["not-json", "broken-json", "not-object", "no-message", "null", "number", "blank", "too-long",
         "nul", "bad-uuid", "uuid-not-string", "too-big"],
)
def test_bad_chat_requests_get_clear_json_errors_and_change_nothing(
    client: FlaskClient, store: LegacyUnderTest, kwargs: dict, status: int
) -> None:
    response = client.post("/chat", **kwargs)
    assert response.status_code == status
    error_of(response)
    assert store.get_analytics_summary(1)["completion_stats"]["total_sessions"] == 0


def test_message_of_exactly_1000_characters_after_trimming_is_taken(client: FlaskClient) -> None:
    response = client.post("/chat", json={"message": "  " + "a" * 1000 + "  "})
    assert response.status_code == 200


def test_unknown_route_and_wrong_method_are_json(client: FlaskClient) -> None:
    missing = client.get("/nope")
    assert missing.status_code == 404
    error_of(missing)
    wrong = client.get("/chat")
    assert wrong.status_code == 405
    error_of(wrong)
    assert "POST" in wrong.headers["Allow"]


def test_unexpected_error_is_a_json_500(make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.extensions["aimhi.service"], "turn", broken)
    client = app.test_client()
    response = client.post("/chat", json={"message": "hi"})
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "reply" not in error_of(response)
    # Even our own failure never leaves a risky message with a bare error.
    risky = client.post("/chat", json={"message": "i want to kill myself tonight"})
    assert risky.status_code == 500
    body = risky.get_json()
    assert body["safety"] == "crisis"
    for resource in CRISIS_RESOURCES:
        assert resource.number in body["reply"]
    assert "kill myself" not in body["reply"]


def test_rate_limit_is_json_429(make_app) -> None:
    client = make_app(RATELIMIT_ENABLED=True, CHAT_RATE_LIMIT="3 per minute").test_client()
    statuses = [client.post("/chat", json={"message": "hi"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    error_of(client.post("/chat", json={"message": "hi"}))


def test_client_supplied_unknown_session_id_starts_a_yarn(client: FlaskClient) -> None:
    sid = str(uuid.uuid4())
    turn = say(client, "hi", sid)
    assert turn["session_id"] == sid and turn["state"] == "support_people"


def test_history_and_erase(client: FlaskClient, store: LegacyUnderTest) -> None:
    sid = say(client, "hi")["session_id"]
    say(client, "My mum", sid)
    history = client.get(f"/api/sessions/{sid}/history").get_json()
    assert [m["role"] for m in history["messages"]] == ["user", "bot", "user", "bot"]
    assert history["messages"][0]["message"] == "hi"
    assert history["state"] == "strengths"
    events_before = store.get_analytics_summary(1)["event_counts"]

    erased = client.delete(f"/api/sessions/{sid}")
    assert erased.status_code == 200
    assert store.get_session_data(sid) is None
    assert store.get_history(sid) == [] and store.get_user_responses(sid) == {}
    assert store.get_analytics_summary(1)["event_counts"] == events_before  # analytics stay
    assert client.get(f"/api/sessions/{sid}/history").status_code == 404
    assert client.delete(f"/api/sessions/{sid}").status_code == 404
    assert client.get("/api/sessions/not-a-uuid/history").status_code == 400


def test_analytics_needs_the_admin_token(client: FlaskClient) -> None:
    say(client, "hi")
    assert client.get("/api/analytics/summary").status_code == 401
    wrong = client.get("/api/analytics/summary", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    good = client.get("/api/analytics/summary?days=7", headers={"Authorization": "Bearer test-admin-token"})
    assert good.status_code == 200
    body = good.get_json()
    assert body["event_counts"]["session_started"] == 1
    assert body["completion_stats"]["total_sessions"] == 1
    bad_days = client.get("/api/analytics/summary?days=-1", headers={"Authorization": "Bearer test-admin-token"})
    assert bad_days.status_code == 400


def test_analytics_is_off_without_a_token(make_app) -> None:
    client = make_app(ADMIN_TOKEN=None).test_client()
    response = client.get("/api/analytics/summary", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 404
    error_of(response)


def test_health_reports_engine_and_latency_without_the_url(app: Flask, client: FlaskClient, engine_name: str) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"]["ok"] is True
    assert body["database"]["engine"] == ("sqlite" if engine_name == "sqlite" else "postgresql")
    assert body["database"]["latency_ms"] >= 0
    text = response.get_data(as_text=True)
    assert app.config["DATABASE_URL"] not in text and "127.0.0.1" not in text


def test_warnings_go_to_system_logs(app: Flask, store: LegacyUnderTest) -> None:
    logging.getLogger("app.service").warning("something odd happened for %s", "a test")
    app.extensions["aimhi.db_log_handler"].flush()
    with store.engine.connect() as connection:
        rows = connection.execute(select(SystemLog)).mappings().all()
    assert [(r["log_level"], r["component"], r["message"]) for r in rows] == [
        ("WARNING", "app.service", "something odd happened for a test")
    ]


def test_log_handler_never_breaks_when_the_database_is_gone() -> None:
    from app.db_logging import DatabaseLogHandler

    handler = DatabaseLogHandler(Repository("postgresql://u:pw@127.0.0.1:1/x?connect_timeout=1"))
    record = logging.LogRecord("app.x", logging.ERROR, __file__, 1, "boom", None, None)
    handler.emit(record)  # returns at once; the write fails in the background
    handler.flush()
    handler.close()
    assert handler.dropped == 1
