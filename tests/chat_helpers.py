"""Helpers shared by the app tests."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient


def say(client: FlaskClient, message: str, session_id: str | None = None) -> dict[str, Any]:
    """One turn through the API; asserts it succeeded."""
    body: dict[str, Any] = {"message": message}
    if session_id:
        body["session_id"] = session_id
    response = client.post("/chat", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()
