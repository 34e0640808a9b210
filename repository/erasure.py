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

What "names" means: a value that is the id, or text in which the id stands as
a word, also inside JSON text nested in a string (legacy rows kept their data
as text). Other yarns' ids that hold it as a word are masked first, so erasing
the yarn "user" never touches what names "user 42". The database finds
candidates with one loose LIKE; the exact test is here (`Mentions`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

ERASED = "[erased]"
PATTERN = "pattern"  # the candidate queries' LIKE parameter


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(session_id: str) -> str:
    """A LIKE pattern every row naming the id matches, however the id was
    escaped on its way into JSON text (once, twice, as \\uXXXX): characters
    JSON may escape (backslash, quote, control, non-ASCII) match anything, the
    rest as written. A superset: the exact test is `names` / `log_names`.
    A blank id is only ever a whole JSON value ("" quoted)."""
    if not session_id.strip():
        return f'%"{_like_escaped(session_id)}"%'
    loose = "".join("%" if ch in '\\"' or ord(ch) < 32 or ord(ch) > 126 else _like_escaped(ch) for ch in session_id)
    return f"%{loose}%"


def _nested(value: str) -> Any:
    """JSON text inside a JSON string (legacy rows kept their data as text), parsed; else None."""
    text = value.strip()
    if not text or text[0] not in '{["':
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


class Mentions:
    """Finds and removes one yarn's id. Other yarns' ids that contain it as a
    word ("user 42" for the yarn "user") are masked first, so they are never
    read as a mention of it."""

    def __init__(self, session_id: str, neighbours: Iterable[str] = ()) -> None:
        self.session_id = session_id
        self.neighbours = sorted({n for n in neighbours if n != session_id and session_id in n}, key=len, reverse=True)
        # A blank id is no word: it would match between any two spaces.
        self._word = re.compile(rf"(?<![\w-]){re.escape(session_id)}(?![\w-])") if session_id.strip() else None

    def _masked(self, text: str) -> tuple[str, list[str]]:
        kept: list[str] = []
        for neighbour in self.neighbours:
            while neighbour in text:
                text = text.replace(neighbour, f"\x00{len(kept)}\x00", 1)
                kept.append(neighbour)
        return text, kept

    def in_text(self, text: str) -> bool:
        if text == self.session_id:
            return True
        return self._word is not None and self._word.search(self._masked(text)[0]) is not None

    def names(self, value: Any) -> bool:
        """Does a JSON value (or text holding JSON) name the yarn?"""
        if isinstance(value, str):
            inner = _nested(value)
            if inner is not None and inner != value and self.names(inner):
                return True
            return self.in_text(value)
        if isinstance(value, dict):
            return any(self.names(k) or self.names(v) for k, v in value.items())
        if isinstance(value, list):
            return any(self.names(item) for item in value)
        return False

    def strip(self, value: Any) -> Any:
        """The value without the id: entries that are the id go, text naming it
        has it replaced by "[erased]", nested JSON text is rewritten."""
        if isinstance(value, str):
            inner = _nested(value)
            if inner is not None and inner != value and self.names(inner):
                return json.dumps(self.strip(inner), ensure_ascii=False)
            if self._word is None:
                return value
            text, kept = self._masked(value)
            text = self._word.sub(ERASED, text)
            for index, neighbour in enumerate(kept):
                text = text.replace(f"\x00{index}\x00", neighbour)
            return text
        if isinstance(value, dict):
            return {self.strip(k): self.strip(v) for k, v in value.items()
                    if v != self.session_id and k != self.session_id}
        if isinstance(value, list):
            return [self.strip(item) for item in value if item != self.session_id]
        return value

    def in_repair(self, table_name: str, row_key: str, original: str) -> bool:
        """A data_repairs record names the yarn: its own session row, or an
        original row that names it."""
        if table_name == "sessions" and row_key == self.session_id:
            return True
        try:
            return self.names(json.loads(original))
        except ValueError:
            return self.in_text(original)

    def in_log(self, session_column: str | None, message: str | None, trace: str | None) -> bool:
        """A log line names the yarn by its session_id, or by the id in its text."""
        return session_column == self.session_id or any(
            text is not None and self.in_text(text) for text in (message, trace))
