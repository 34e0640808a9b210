"""App fixtures (a pytest plugin loaded by tests/conftest.py), in the style of Flask's tutorial: `app`, `client`, `runner`, on
every database leg (`db_url`: sqlite, postgresql, pgbouncer)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app
from app.service import ChatService
from legacy_api import LegacyUnderTest
from repository import Repository

TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "AUTO_MIGRATE": False,  # the fixtures hand over databases already at head
    "RATELIMIT_ENABLED": False,
    "ADMIN_TOKEN": "test-admin-token",
    "REPLAY_INTERVAL_S": 0,  # tests replay the outbox themselves
}


def close_app(app: Flask) -> None:
    handler = app.extensions.get("aimhi.db_log_handler")
    if handler is not None:
        handler.close()
    stop = app.extensions.get("aimhi.replayer_stop")
    if stop is not None:
        stop.set()
    app.extensions["aimhi.service"].repo.dispose()


@pytest.fixture
def make_app(db_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps on this test's database (several = several workers; they
    share one outbox file, as worker processes of one instance do)."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        settings = {**TEST_CONFIG, "DATABASE_URL": db_url, "OUTBOX_PATH": str(tmp_path / "outbox.db"), **config}
        app = create_app(settings)
        made.append(app)
        return app

    yield make
    for app in made:
        close_app(app)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def service(app: Flask) -> ChatService:
    return app.extensions["aimhi.service"]


@pytest.fixture
def repo(service: ChatService) -> Repository:
    return service.repo


@pytest.fixture
def store(repo: Repository) -> LegacyUnderTest:
    """The app's repository seen through the legacy function names, for assertions."""
    return LegacyUnderTest(repo)
