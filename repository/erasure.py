"""What "every row about a yarn" means, decided once.

Erasing a yarn (DELETE /api/sessions/<id>, `aimhi erase`, and every session the
retention clean-up removes) takes, besides the session and its children (by
cascade):

* its `data_repairs` records: the session's own, and every record whose original
  row names the session id (legacy rows keep young people's words);
* its `system_logs`: by their session_id, and lines whose text names the id;
* from `analytics`, the session id only: analytics stay (anonymous counts) but
  any value naming the id is removed from their data, so nothing links a count
  back to the person.

The database finds candidates with LIKE; the exact test is here, so a row that
merely contains the id's characters inside other text is left alone.
"""

from __future__ import annotations

import json
import re
from typing import Any

ERASED = "[erased]"


def like_pattern(session_id: str) -> str:
    """`%<id>%` with LIKE's own characters escaped (escape character \\)."""
    escaped = session_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _token(session_id: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(session_id)}(?![\w-])")


def names(value: Any, session_id: str) -> bool:
    """Does a JSON value (or text holding JSON) name the session id?"""
    if isinstance(value, str):  # the id itself, or a word of the text (JSON text included)
        return value == session_id or _token(session_id).search(value) is not None
    if isinstance(value, dict):
        return any(names(k, session_id) or names(v, session_id) for k, v in value.items())
    if isinstance(value, list):
        return any(names(item, session_id) for item in value)
    return False


def strip(value: Any, session_id: str) -> Any:
    """The value without the session id: entries holding it are removed, text
    naming it has it replaced by "[erased]"."""
    if isinstance(value, str):
        return _token(session_id).sub(ERASED, value)
    if isinstance(value, dict):
        return {strip(k, session_id): strip(v, session_id) for k, v in value.items()
                if v != session_id and k != session_id}
    if isinstance(value, list):
        return [strip(item, session_id) for item in value if item != session_id]
    return value


def repair_names(table_name: str, row_key: str, original: str, session_id: str) -> bool:
    if table_name == "sessions" and row_key == session_id:
        return True
    try:
        row = json.loads(original)
    except ValueError:
        return _token(session_id).search(original) is not None
    return names(row, session_id)


def log_names(session_column: str | None, message: str | None, trace: str | None, session_id: str) -> bool:
    if session_column == session_id:
        return True
    token = _token(session_id)
    return any(text is not None and token.search(text) is not None for text in (message, trace))
