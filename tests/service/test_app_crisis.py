"""The crisis path: checked first, exact resources, saved in one transaction,
and sent even when the database is down."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app import create_app
from app_fixtures import close_app
from chat_helpers import say
from legacy_api import LegacyUnderTest

RESOURCES = ("13YARN", "13 92 76", "Lifeline", "13 11 14", "Kids Helpline", "1800 55 1800", "000")


def assert_crisis_reply(text: str) -> None:
    for resource in RESOURCES:
        assert resource in text, resource


@pytest.mark.parametrize("message", ["I want to die", "kms", "i might end it all tonight", "I'm not safe at home"])
def test_risk_message_gets_the_crisis_reply_and_is_saved(client: FlaskClient, store: LegacyUnderTest, message: str) -> None:
    sid = say(client, "hi")["session_id"]
    turn = say(client, message, sid)
    assert_crisis_reply(turn["reply"])
    assert turn["state"] == "support_people"  # the yarn waits where it was
    [detection] = store.get_risk_detections(sid)
    assert detection["user_message"] == message
    assert detection["resources_shown"] is True
    assert store.get_analytics_summary(1)["event_counts"].get("risk_triggered") == 1
    assert store.get_user_responses(sid) == {}


def test_harmless_phrase_does_not_trigger(client: FlaskClient, store: LegacyUnderTest) -> None:
    sid = say(client, "hi")["session_id"]
    turn = say(client, "this exam is killing me but my nan helps", sid)
    assert "13 11 14" not in turn["reply"]
    assert store.get_risk_detections(sid) == []


def test_yarn_continues_after_a_crisis(client: FlaskClient, store: LegacyUnderTest) -> None:
    sid = say(client, "hi")["session_id"]
    say(client, "i want to kill myself", sid)
    turn = say(client, "My aunty and my coach", sid)
    assert turn["state"] == "strengths"
    assert store.get_user_responses(sid) == {"support_people": "My aunty and my coach"}


def test_first_message_can_be_a_crisis(client: FlaskClient, store: LegacyUnderTest) -> None:
    turn = say(client, "I don't want to be here anymore")
    assert_crisis_reply(turn["reply"])
    assert len(store.get_risk_detections(turn["session_id"])) == 1


@pytest.mark.parametrize(
    "dead_url",
    [
        "postgresql://postgres:hunter2-secret@127.0.0.1:1/aimhi?connect_timeout=1",
        "sqlite:////proc/aimhi-no-such-dir/x.db",
    ],
    ids=["postgres-down", "sqlite-unopenable"],
)
def test_crisis_reply_without_a_database(dead_url: str, tmp_path) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": dead_url, "AUTO_MIGRATE": False,
                      "RATELIMIT_ENABLED": False, "DB_LOGGING": False, "REPLAY_INTERVAL_S": 0,
                      "OUTBOX_PATH": str(tmp_path / "outbox.db")})
    try:
        client = app.test_client()
        response = client.post("/chat", json={"message": "i want to die"})
        assert response.status_code == 200
        body = response.get_json()
        assert_crisis_reply(body["reply"])
        assert body["degraded"] is True and body["safety"] == "crisis"
        # Anything else gets a kind holding reply; the turn is kept to be written later.
        other = client.post("/chat", json={"message": "hello"})
        assert other.status_code == 200
        assert other.get_json()["degraded"] is True
        assert "hunter2" not in other.get_data(as_text=True)
        assert app.extensions["aimhi.service"].outbox.depth() == 2
        health = client.get("/health")
        assert health.status_code == 503
        assert "hunter2" not in health.get_data(as_text=True)
        assert health.get_json()["database"]["ok"] is False
    finally:
        close_app(app)
