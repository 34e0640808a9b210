"""The whole yarn through the HTTP API, on every database leg."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.yarn.flow import STEPS
from chat_helpers import say
from models import AnalyticsEvent, ChatMessage, IntentClassification, SessionSummary, UserResponse
from legacy_api import LegacyUnderTest
from repository import Repository

ANSWERS = {
    "support_people": "My nan and my cousin Jay",
    "strengths": "I'm good at footy and drawing",
    "worries": "Exams and money stuff at home",
    "goals": "Finish year 12 and get my L plates",
}


def _rows(store: LegacyUnderTest, model: type, session_id: str) -> list:
    with store.engine.connect() as connection:
        return list(connection.execute(select(model).where(model.session_id == session_id)).mappings())


def _events(store: LegacyUnderTest) -> Counter[str]:
    with store.engine.connect() as connection:
        rows = connection.execute(select(AnalyticsEvent.event_type, func.count()).group_by(AnalyticsEvent.event_type))
        return Counter(dict(rows.all()))


def full_yarn(client: FlaskClient) -> tuple[str, list[dict]]:
    first = say(client, "hi")
    sid = first["session_id"]
    assert uuid.UUID(sid)
    assert first["state"] == "support_people"
    turns = [first]
    for step in STEPS:
        turns.append(say(client, ANSWERS[step], sid))
    return sid, turns


def test_full_yarn_saves_answers_summary_and_completion(client: FlaskClient, store: LegacyUnderTest) -> None:
    sid, turns = full_yarn(client)
    assert [t["state"] for t in turns] == ["support_people", "strengths", "worries", "goals", "summary"]
    summary_reply = turns[-1]["reply"]
    for answer in ANSWERS.values():
        assert answer.lower() in summary_reply.lower(), answer
    assert store.get_user_responses(sid) == ANSWERS
    session = store.get_session_data(sid)
    assert session is not None and session["completed"] is True and session["fsm_state"] == "summary"
    summary = store.get_latest_summary(sid, "complete")
    assert summary is not None
    for step, answer in ANSWERS.items():
        assert summary[step] == answer
    history = store.get_history(sid, limit=None)
    assert len(history) == 10
    assert Counter(m["role"] for m in history) == {"user": 5, "bot": 5}
    events = _events(store)
    assert events["session_started"] == 1
    assert events["step_completed"] == 4
    assert events["session_completed"] == 1
    assert events["rule_based_used"] >= 4
    logged = _rows(store, IntentClassification, sid)
    assert len(logged) >= 4
    assert all(row["method"] == "rule_based" and 0 <= row["confidence"] <= 1 for row in logged)
    assert all(row["inference_time_ms"] is not None and row["inference_time_ms"] >= 0 for row in logged)


def test_after_summary_the_yarn_closes_gently(client: FlaskClient, store: LegacyUnderTest) -> None:
    sid, _ = full_yarn(client)
    later = say(client, "thanks", sid)
    assert later["state"] == "summary"
    assert later["reply"].strip()
    assert len(_rows(store, SessionSummary, sid)) == 1


def test_llm_state_only_when_a_model_is_configured(make_app) -> None:
    client = make_app(LLM_ENABLED=True).test_client()
    sid, _ = full_yarn(client)
    assert say(client, "can we keep yarning?", sid)["state"] == "llm_conversation"


def test_two_unclear_answers_move_on_keeping_what_was_said(client: FlaskClient, store: LegacyUnderTest) -> None:
    sid = say(client, "hello")["session_id"]
    first = say(client, "idk", sid)
    assert first["state"] == "support_people"
    second = say(client, "dunno", sid)
    assert second["state"] == "strengths"
    [row] = _rows(store, UserResponse, sid)
    assert row["step"] == "support_people"
    assert row["attempt_count"] == 2
    assert row["response"] == "dunno"


def test_restart_mid_yarn_continues(make_app) -> None:
    first_worker = make_app().test_client()
    sid = say(first_worker, "hi")["session_id"]
    say(first_worker, ANSWERS["support_people"], sid)
    # A new application instance (a restart, or another worker) picks it up.
    second_worker = make_app().test_client()
    turn = say(second_worker, ANSWERS["strengths"], sid)
    assert turn["state"] == "worries"
    store = LegacyUnderTest(Repository(first_worker.application.config["DATABASE_URL"]))
    try:
        assert store.get_user_responses(sid) == {k: ANSWERS[k] for k in ("support_people", "strengths")}
    finally:
        store.dispose()


def test_concurrent_turns_on_one_session_are_serialised(make_app) -> None:
    apps: list[Flask] = [make_app(), make_app()]
    sid = say(apps[0].test_client(), "hi")["session_id"]
    answers = [ANSWERS["support_people"], ANSWERS["strengths"], ANSWERS["worries"], ANSWERS["goals"]]
    results: list[dict] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(answers))

    def send(index: int) -> None:
        client = apps[index % 2].test_client()
        try:
            barrier.wait()
            results.append(say(client, answers[index], sid))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(answers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    # Four turns, each moved the yarn exactly one step: no step skipped or done twice.
    assert sorted(r["state"] for r in results) == ["goals", "strengths", "summary", "worries"]
    store: LegacyUnderTest = LegacyUnderTest(apps[0].extensions["aimhi.service"].repo)
    rows = _rows(store, UserResponse, sid)
    assert sorted(r["step"] for r in rows) == sorted(STEPS)
    assert len(_rows(store, ChatMessage, sid)) == 10
    assert _events(store)["step_completed"] == 4
