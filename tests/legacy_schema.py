"""The legacy schema v2 script (alembic/legacy_v2.sql), for tests that build
legacy files, and the names of the three views every schema has."""

from __future__ import annotations

from pathlib import Path

LEGACY_SCRIPT = Path(__file__).resolve().parent.parent / "alembic" / "legacy_v2.sql"
VIEW_NAMES: tuple[str, ...] = ("sessions_to_cleanup", "daily_analytics", "session_completion_stats")


def legacy_statements() -> list[str]:
    lines = [line for line in LEGACY_SCRIPT.read_text(encoding="utf-8").splitlines()
             if not line.lstrip().startswith("--")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]
