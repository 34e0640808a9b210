"""The legacy schema v2 script (models/legacy_v2.sql) as a list of statements."""

from __future__ import annotations

from importlib import resources


def legacy_statements() -> list[str]:
    script = resources.files("models").joinpath("legacy_v2.sql").read_text(encoding="utf-8")
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]
