"""The web page in headless Chromium: a whole yarn, a crisis message, safety
replies in error bodies, retries after network failures, degraded replies."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ANSWERS = [
    "My nan and my cousin Jay",
    "I'm good at footy and drawing",
    "Exams and money stuff at home",
    "Finish year 12 and get my L plates",
]
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
CRISIS_TELS = {"tel:139276", "tel:131114", "tel:1800551800", "tel:000"}
STORAGE_KEY = "aimhi-yarn-session-id"
MESSAGE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")  # the server's rule (app/http/chat.py)
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ENGINES = pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def browser_page() -> Iterator[Any]:
    if CHROMIUM is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        browser.close()


@pytest.fixture
def live_url(make_app: Callable[..., Flask]) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, make_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def bot_messages(page: Any) -> list[str]:
    return page.locator("#messages .msg.bot").all_inner_texts()


def send(page: Any, text: str, timeout: float = 15000) -> str:
    before = len(bot_messages(page))
    page.fill("#message", text)
    page.click("#send")
    page.wait_for_function(
        "n => document.querySelectorAll('#messages .msg.bot').length > n", arg=before, timeout=timeout
    )
    return bot_messages(page)[-1]


def chat_posts(page: Any) -> list[dict[str, Any]]:
    """The body of every POST /chat the page sends (every attempt), in order."""
    bodies: list[dict[str, Any]] = []
    page.on("request", lambda r: bodies.append(r.post_data_json)
            if r.method == "POST" and r.url.endswith("/chat") else None)
    return bodies


def session_id(page: Any) -> str:
    sid = page.evaluate(f"localStorage.getItem({STORAGE_KEY!r})")
    assert isinstance(sid, str) and sid
    return sid


def history(live_url: str, sid: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{live_url}api/sessions/{sid}/history", timeout=10) as response:
        return json.load(response)["messages"]


def assert_crisis_bar(page: Any) -> None:
    """The four crisis numbers are on screen, as tappable links."""
    bar = page.locator("#crisis-bar")
    assert bar.is_visible()
    links = page.locator("#crisis-bar a[href^='tel:']")
    assert links.count() == 4
    assert {links.nth(i).get_attribute("href") for i in range(4)} == CRISIS_TELS
    for i in range(4):
        assert links.nth(i).is_visible()
    box = bar.bounding_box()
    assert box is not None and box["y"] < 200  # at the top, not scrolled away


@pytest.mark.e2e
@ENGINES
def test_whole_yarn_through_the_page(browser_page: Any, live_url: str, engine_name: str) -> None:
    page = browser_page
    posts = chat_posts(page)
    page.goto(live_url)
    assert_crisis_bar(page)

    send(page, "hi")
    for answer in ANSWERS:
        reply = send(page, answer)
    for answer in ANSWERS:
        assert answer.lower() in reply.lower()
    user_texts = page.locator("#messages .msg.user").all_inner_texts()
    assert user_texts[-4:] == ANSWERS
    assert page.locator("#messages .msg.error").count() == 0
    assert page.locator("#messages .msg.bot.safety").count() == 0

    # The character counter follows the box.
    page.fill("#message", "kia ora")
    assert page.inner_text("#char-used") == "7"
    page.fill("#message", "")

    # A reload keeps the yarn (the session id is kept by the page; state by the server).
    sid = session_id(page)
    page.reload()
    closing = send(page, "thanks heaps")
    assert closing.strip()
    assert session_id(page) == sid
    assert_crisis_bar(page)

    # Every message had its own id, of the server's form, and one session throughout.
    ids = [body["message_id"] for body in posts]
    assert len(ids) == len(ANSWERS) + 2 and len(set(ids)) == len(ids)
    assert all(MESSAGE_ID.match(i) for i in ids)
    assert {body["session_id"] for body in posts} == {sid}
    roles = [m["role"] for m in history(live_url, sid)]
    assert roles == ["user", "bot"] * (len(ANSWERS) + 2)

    # A new yarn forgets the session and starts over.
    page.click("#new-yarn")
    assert page.evaluate(f"localStorage.getItem({STORAGE_KEY!r})") is None
    assert page.locator("#messages .msg.user").count() == 0
    send(page, "hi")
    assert session_id(page) != sid


@pytest.mark.e2e
@ENGINES
def test_crisis_message_gets_a_safety_reply(browser_page: Any, live_url: str, engine_name: str) -> None:
    page = browser_page
    page.goto(live_url)
    send(page, "i want to kill myself")

    reply = page.locator("#messages .msg.bot").last
    assert "safety" in (reply.get_attribute("class") or "").split()
    assert reply.get_attribute("data-safety") == "crisis"
    assert "13 92 76" in reply.inner_text()
    # The numbers in the reply are tappable too.
    assert {a.get_attribute("href") for a in reply.locator("a").all()} >= CRISIS_TELS
    # The reply stands out from an ordinary one.
    ordinary = page.locator("#messages .msg.bot.intro")
    style = "el => getComputedStyle(el).backgroundColor + ' ' + getComputedStyle(el).borderLeftWidth"
    assert reply.evaluate(style) != ordinary.evaluate(style)

    assert_crisis_bar(page)
    assert "highlight" in (page.get_attribute("#crisis-bar", "class") or "")
    assert page.locator("#messages .msg.error").count() == 0


@pytest.mark.e2e
@ENGINES
def test_safety_reply_in_an_error_body_is_shown(browser_page: Any, live_url: str, engine_name: str) -> None:
    """A 400 (here: a broken session id in storage) still shows the safety
    reply the server attached to it, and a 4xx is never retried."""
    page = browser_page
    posts = chat_posts(page)
    page.goto(live_url)
    page.evaluate(f"localStorage.setItem({STORAGE_KEY!r}, 'not-a-uuid')")
    send(page, "i want to kill myself")

    reply = page.locator("#messages .msg.bot").last
    assert "safety" in (reply.get_attribute("class") or "").split()
    assert "13 92 76" in reply.inner_text()
    assert page.locator("#messages .msg.error").count() == 1
    assert page.input_value("#message") == "i want to kill myself"  # their words back, to send again
    assert_crisis_bar(page)
    assert "highlight" in (page.get_attribute("#crisis-bar", "class") or "")
    page.wait_for_timeout(1500)  # longer than the first retry delay
    assert len(posts) == 1


@pytest.mark.e2e
@ENGINES
def test_network_errors_are_retried_with_the_same_message_id(
    browser_page: Any, live_url: str, engine_name: str
) -> None:
    page = browser_page
    attempts: list[dict[str, Any]] = []

    def flaky(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        attempts.append(route.request.post_data_json)
        if len(attempts) <= 2:
            route.abort()  # as if the phone lost its signal
        else:
            route.continue_()

    page.route("**/chat", flaky)
    page.goto(live_url)
    page.fill("#message", "hi")
    page.click("#send")
    page.wait_for_selector("#messages .msg.note.retry")  # a gentle note while it tries again
    assert page.locator("#messages .msg.error").count() == 0
    assert_crisis_bar(page)
    page.wait_for_function("() => document.querySelectorAll('#messages .msg.bot').length > 1")

    assert page.locator("#messages .msg.note.retry").count() == 0
    assert page.locator("#messages .msg.error").count() == 0
    assert page.locator("#messages .msg.user").all_inner_texts() == ["hi"]
    assert len(attempts) == 3
    ids = {body["message_id"] for body in attempts}
    assert len(ids) == 1 and MESSAGE_ID.match(ids.pop())
    sid = session_id(page)
    assert {body["session_id"] for body in attempts} == {sid}  # the retries land in the same yarn
    messages = history(live_url, sid)
    assert [m["role"] for m in messages] == ["user", "bot"]
    assert messages[0]["message"] == "hi"
    # The yarn goes on normally afterwards.
    send(page, ANSWERS[0])
    assert [m["role"] for m in history(live_url, sid)] == ["user", "bot"] * 2


@pytest.mark.e2e
@ENGINES
def test_gateway_error_is_retried_and_a_degraded_reply_reads_like_any(
    browser_page: Any, live_url: str, engine_name: str
) -> None:
    """A 503 without a reply is retried; a degraded reply (database away) is
    shown as an ordinary reply, with no error."""
    page = browser_page
    attempts: list[dict[str, Any]] = []
    degraded_reply = "Thanks, I've got what you said and kept it safe. I'm a bit slow right now."

    def unwell(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        attempts.append(route.request.post_data_json)
        if len(attempts) == 1:
            route.fulfill(status=503, json={"error": "Service unavailable", "status": 503})
        else:
            route.fulfill(status=200, json={
                "reply": degraded_reply, "session_id": attempts[0]["session_id"], "state": None,
                "safety": None, "degraded": True,
            })

    page.route("**/chat", unwell)
    # As on a plain-http address, where there is no crypto.randomUUID: the id
    # then comes from crypto.getRandomValues, in the same form.
    page.add_init_script("delete Crypto.prototype.randomUUID")
    page.goto(live_url)
    assert page.evaluate("() => typeof crypto.randomUUID") == "undefined"
    reply = send(page, "hi")
    assert reply == degraded_reply
    assert len(attempts) == 2 and attempts[0] == attempts[1]
    assert UUID4.match(attempts[0]["message_id"]) and UUID4.match(attempts[0]["session_id"])
    last = page.locator("#messages .msg.bot").last
    assert (last.get_attribute("class") or "").split() == ["msg", "bot"]
    assert page.locator("#messages .msg.error").count() == 0
    assert page.locator("#messages .msg.note").count() == 0
    assert_crisis_bar(page)
