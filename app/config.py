"""Settings from the environment (DATABASE_URL as in the data layer)."""

from __future__ import annotations

import os
from typing import Any

from repository.config import database_url, engine_name, instance_path


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None


def from_environment() -> dict[str, Any]:
    url = database_url()
    return {
        "DATABASE_URL": url,
        # Migrations run at start-up on the embedded SQLite file; on Postgres
        # they belong to `aimhi upgrade` over a direct (not pooled) connection.
        "AUTO_MIGRATE": _flag("AUTO_MIGRATE", engine_name(url) == "sqlite"),
        "ADMIN_TOKEN": os.environ.get("ADMIN_TOKEN") or None,
        "CHAT_RATE_LIMIT": os.environ.get("CHAT_RATE_LIMIT", "30 per minute"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "LLM_ENABLED": _flag("LLM_ENABLED", False),
        "TRUST_PROXY": _flag("TRUST_PROXY", False),
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "MAX_MESSAGE_CHARS": 1000,
        "DB_LOGGING": _flag("DB_LOGGING", True),
        # Turns answered while the database is away wait here (never the main file).
        "OUTBOX_PATH": os.environ.get("OUTBOX_PATH") or str(instance_path() / "outbox.db"),
        "REPLAY_INTERVAL_S": _number("OUTBOX_REPLAY_INTERVAL", 2.0),
        # A risky message's safety reply waits at most this long for the database.
        "SAFETY_WAIT_S": _number("SAFETY_REPLY_WAIT", 1.2),
    }
