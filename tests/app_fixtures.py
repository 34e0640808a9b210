"""App fixtures (a pytest plugin loaded by tests/conftest.py), in the style of Flask's tutorial: `app`, `client`, `runner`, on
every database leg (`db_url`: sqlite, postgresql, pgbouncer)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app
from repository import Repository

TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "AUTO_MIGRATE": False,  # the fixtures hand over databases already at head
    "RATELIMIT_ENABLED": False,
    "ADMIN_TOKEN": "test-admin-token",
}


@pytest.fixture
def make_app(db_url: str) -> Iterator[Callable[..., Flask]]:
    """Build apps on this test's database (several = several workers)."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        app = create_app({**TEST_CONFIG, "DATABASE_URL": db_url, **config})
        made.append(app)
        return app

    yield make
    for app in made:
        handler = app.extensions.get("aimhi.db_log_handler")
        if handler is not None:
            handler.close()
        app.extensions["aimhi.repository"].dispose()


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
def repo(app: Flask) -> Repository:
    return app.extensions["aimhi.repository"]
