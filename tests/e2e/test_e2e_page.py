"""One whole yarn through the web page in headless Chromium, on both engines."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator

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


@pytest.fixture
def browser_page() -> Iterator[object]:
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


def bot_messages(page) -> list[str]:
    return page.locator("#messages .msg.bot").all_inner_texts()


def send(page, text: str) -> str:
    before = len(bot_messages(page))
    page.fill("#message", text)
    page.click("#send")
    page.wait_for_function(
        "n => document.querySelectorAll('#messages .msg.bot').length > n", arg=before
    )
    return bot_messages(page)[-1]


@pytest.mark.e2e
@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"], indirect=True)
def test_whole_yarn_through_the_page(browser_page, live_url: str, engine_name: str) -> None:
    page = browser_page
    page.goto(live_url)
    # Crisis numbers are on screen from the start, as tappable links.
    links = page.locator("#crisis-bar a[href^='tel:']")
    assert links.count() == 4
    hrefs = {links.nth(i).get_attribute("href") for i in range(4)}
    assert hrefs == {"tel:139276", "tel:131114", "tel:1800551800", "tel:000"}
    assert page.locator("#crisis-bar").is_visible()

    send(page, "hi")
    for answer in ANSWERS:
        reply = send(page, answer)
    for answer in ANSWERS:
        assert answer.lower() in reply.lower()
    user_texts = page.locator("#messages .msg.user").all_inner_texts()
    assert user_texts[-4:] == ANSWERS

    # A reload keeps the yarn (the session id is kept by the page; state by the server).
    page.reload()
    closing = send(page, "thanks heaps")
    assert closing.strip()
    assert page.locator("#crisis-bar").is_visible()
