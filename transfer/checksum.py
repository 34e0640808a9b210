r"""Row checksums that are equal for equal data on SQLite and Postgres, and the
streaming comparison of two tables by primary key.

Normalised form of a row (the model's columns in order, key first):

  NULL       -> NULL
  integer    -> decimal text
  float      -> Python repr() of the float, -0.0 taken as 0.0 (SQLite and jsonb drop the sign)
  text       -> the text
  boolean    -> 'true' / 'false'
  timestamp  -> 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (ISO 8601 with microseconds: the
                canonical text the models store on SQLite)
  JSON       -> canonical JSON text of the parsed value: keys sorted, no spaces,
                no ASCII escaping, floats as repr() (-0.0 as 0.0), NaN refused

Row text: the normalised values joined by U+001F, NULL written as U+001E,
and inside text a backslash written as `\\`, U+001E as `\R`, U+001F as `\U`
(so no value can be mistaken for another). The checksum of a row is the MD5
of its row text in UTF-8 (a checksum, not a security measure).

Where a table has no float or JSON column Postgres renders the row text with
SQL (to_char / CASE / replace) and computes the MD5 itself: verifying a remote
Supabase database then moves 16 bytes per row, not the row. Floats and JSON
are rendered in Python (neither engine prints them like Python's repr /
canonical JSON), and SQLite rows always are. Tests check that the renderings
agree.

A table's fingerprint is the sum of its row checksums modulo 2**128: equal
tables have equal fingerprints whatever order they are read in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from models.repair import Repair, original_text
from models.types import json_dumps
from repository.engines.sqlite import canonical_text
from transfer.tables import TableSpec

MODULUS = 1 << 128
PENDING_LIMIT = 100_000  # unmatched keys kept for a late match (rows read out of order)
_md5 = hashlib.md5


SEPARATOR = "\x1f"  # between values (ASCII unit separator)
NULL_TEXT = "\x1e"  # a NULL (ASCII record separator)
_SPECIAL = ("\\", NULL_TEXT, SEPARATOR)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(NULL_TEXT, "\\R").replace(SEPARATOR, "\\U")


def value_text(value: Any) -> str:
    """One normalised value in the row text."""
    if value is None:
        return NULL_TEXT
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, float):
        return repr(value + 0.0)
    if isinstance(value, bytes):  # text that is not UTF-8, read as it is from a target
        return "\\B" + value.hex()
    return str(value)


def row_text(values: Iterable[Any]) -> str:
    return SEPARATOR.join(map(value_text, values))


def digest(values: Iterable[Any]) -> bytes:
    """The checksum of one row of normalised values."""
    return _md5(row_text(values).encode("utf-8", "surrogatepass")).digest()


def column_digests(columns: Sequence[Sequence[Any]]) -> list[bytes]:
    """`digest` of every row of a chunk given column by column (the same
    result, with the per-value work done a whole column at a time)."""
    texts: list[Sequence[str]] = []
    for values in columns:
        types = set(map(type, values))
        if types <= {str}:
            joined = "".join(values)  # type: ignore[arg-type]
            texts.append([_escape(v) for v in values] if any(c in joined for c in _SPECIAL) else values)  # type: ignore[misc]
        elif types <= {int}:
            texts.append(list(map(str, values)))
        else:
            texts.append([value_text(value) for value in values])
    return [_md5(text.encode("utf-8", "surrogatepass")).digest() for text in map(SEPARATOR.join, zip(*texts))]


def fingerprint(values: Iterable[bytes]) -> int:
    return sum(map(int.from_bytes, values)) % MODULUS


def _unsigned_zero(value: Any) -> Any:
    if isinstance(value, float):
        return value + 0.0
    if isinstance(value, dict):
        return {key: _unsigned_zero(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unsigned_zero(item) for item in value]
    return value


def canonical_json(value: Any, text: str | None = None) -> str:
    """Canonical JSON text of a parsed value (`text`, when given, is the text it
    was parsed from: a shortcut to skip the -0.0 walk when no '-0' occurs)."""
    if text is None or "-0" in text:
        value = _unsigned_zero(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def convert(spec: TableSpec, fixed: dict[str, Any], mode: str) -> tuple[Any, ...]:
    """A row of Python values (as `RowRepairer` returns it) in the stored form
    (mode 'copy': what is written to either engine) or the normalised form
    (mode 'verify': what is checksummed)."""
    out: list[Any] = []
    verify = mode == "verify"
    for column in spec.columns:
        value = fixed.get(column.name)
        if value is not None:
            kind = column.kind
            if kind == "ts":
                value = canonical_text(value)
            elif kind == "bool":
                value = ("true" if value else "false") if verify else (1 if value else 0)
            elif kind == "json":
                value = canonical_json(value) if verify else json_dumps(value)
            elif kind == "float":
                value = float(value) + 0.0 if verify else float(value)
            elif kind in ("int", "pk"):
                value = int(value)
        out.append(value)
    return tuple(out)


def repair_fields(repair: Repair) -> tuple[str, str, str | None, str, str, str]:
    """The data_repairs columns that identify a record (not id, not repaired_at)."""
    return (repair.table, repair.row_key, repair.column, repair.action, repair.detail, original_text(repair.original))


@dataclass
class RepairTally:
    """Count and fingerprint of repair records per (table, action), order-free."""

    groups: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def add_fields(self, fields: tuple[Any, ...]) -> None:
        group = self.groups.setdefault((fields[0], fields[3]), [0, 0])
        group[0] += 1
        group[1] = (group[1] + int.from_bytes(digest(tuple(fields)), "big")) % MODULUS

    def add(self, repair: Repair) -> None:
        self.add_fields(repair_fields(repair))

    def differences(self, other: RepairTally) -> list[dict[str, Any]]:
        out = []
        for key in sorted(set(self.groups) | set(other.groups)):
            mine = self.groups.get(key, [0, 0])
            theirs = other.groups.get(key, [0, 0])
            if mine != theirs:
                out.append({"table": key[0], "action": key[1], "expected": mine[0], "found": theirs[0]})
        return out

    @property
    def total(self) -> int:
        return sum(group[0] for group in self.groups.values())


class _Side:
    """One ordered stream of (keys, digests) chunks, read a chunk at a time."""

    def __init__(self, chunks: Iterable[tuple[list[Any], list[bytes]]], count: Any) -> None:
        self.chunks = iter(chunks)
        self.count = count
        self.keys: list[Any] = []
        self.digests: list[bytes] = []
        self.i = 0
        self.done = False

    def fill(self) -> None:
        while not self.done and self.i >= len(self.keys):
            chunk = next(self.chunks, None)
            if chunk is None:
                self.done = True
                self.keys, self.digests, self.i = [], [], 0
                return
            self.keys, self.digests = chunk
            self.i = 0
            self.count(self.digests)

    @property
    def left(self) -> int:
        return len(self.keys) - self.i


@dataclass
class TableComparison:
    """Merge-join of expected (source, repaired) and actual (target) rows by key.

    Both streams come in key order, chunk by chunk, so memory stays bounded.
    Where both chunks hold the same run of keys the run is compared in one go
    (list comparisons in C); elsewhere row by row. A key met out of order (a
    key the repair changed) waits in a bounded pending map for its partner."""

    table: str
    cap: int = 20
    expected_rows: int = 0
    actual_rows: int = 0
    expected_fingerprint: int = 0
    actual_fingerprint: int = 0
    missing: list[Any] = field(default_factory=list)
    unexpected: list[Any] = field(default_factory=list)
    different: list[Any] = field(default_factory=list)
    missing_count: int = 0
    unexpected_count: int = 0
    different_count: int = 0
    seconds: float = 0.0
    _pending_expected: dict[Any, bytes] = field(default_factory=dict)
    _pending_actual: dict[Any, bytes] = field(default_factory=dict)

    @property
    def equal(self) -> bool:
        return not (self.missing_count or self.unexpected_count or self.different_count) and (
            self.expected_rows == self.actual_rows
        )

    def _note(self, which: str, key: Any) -> None:
        setattr(self, f"{which}_count", getattr(self, f"{which}_count") + 1)
        bucket: list[Any] = getattr(self, which)
        if len(bucket) < self.cap:
            bucket.append(key)

    def _count_expected(self, digests: list[bytes]) -> None:
        self.expected_rows += len(digests)
        self.expected_fingerprint = (self.expected_fingerprint + fingerprint(digests)) % MODULUS

    def _count_actual(self, digests: list[bytes]) -> None:
        self.actual_rows += len(digests)
        self.actual_fingerprint = (self.actual_fingerprint + fingerprint(digests)) % MODULUS

    def _expected_alone(self, key: Any, value: bytes) -> None:
        partner = self._pending_actual.pop(key, None)
        if partner is not None:
            if partner != value:
                self._note("different", key)
            return
        self._pending_expected[key] = value
        if len(self._pending_expected) > PENDING_LIMIT:
            oldest = next(iter(self._pending_expected))
            del self._pending_expected[oldest]
            self._note("missing", oldest)

    def _actual_alone(self, key: Any, value: bytes) -> None:
        partner = self._pending_expected.pop(key, None)
        if partner is not None:
            if partner != value:
                self._note("different", key)
            return
        self._pending_actual[key] = value
        if len(self._pending_actual) > PENDING_LIMIT:
            oldest = next(iter(self._pending_actual))
            del self._pending_actual[oldest]
            self._note("unexpected", oldest)

    def add_expected(self, key: Any, value: bytes) -> None:
        """An expected row that comes after the ordered stream (a placeholder)."""
        self._count_expected([value])
        self._expected_alone(key, value)

    def run(
        self,
        expected: Iterable[tuple[list[Any], list[bytes]]],
        actual: Iterable[tuple[list[Any], list[bytes]]],
    ) -> None:
        e = _Side(expected, self._count_expected)
        a = _Side(actual, self._count_actual)
        single_steps = 0
        while True:
            e.fill()
            a.fill()
            if e.done or a.done:
                break
            n = min(e.left, a.left)
            if single_steps == 0 and e.keys[e.i : e.i + n] == a.keys[a.i : a.i + n]:
                expected_digests = e.digests[e.i : e.i + n]
                actual_digests = a.digests[a.i : a.i + n]
                if expected_digests != actual_digests:
                    for key, x, y in zip(e.keys[e.i : e.i + n], expected_digests, actual_digests):
                        if x != y:
                            self._note("different", key)
                e.i += n
                a.i += n
                continue
            # Out of step: row by row for a while, then try whole runs again.
            single_steps = 256 if single_steps == 0 else single_steps - 1
            ek, ak = e.keys[e.i], a.keys[a.i]
            if ek == ak:
                if e.digests[e.i] != a.digests[a.i]:
                    self._note("different", ek)
                e.i += 1
                a.i += 1
            elif ek < ak:
                self._expected_alone(ek, e.digests[e.i])
                e.i += 1
            else:
                self._actual_alone(ak, a.digests[a.i])
                a.i += 1
        for side, alone in ((e, self._expected_alone), (a, self._actual_alone)):
            while not side.done:
                for key, value in zip(side.keys[side.i :], side.digests[side.i :]):
                    alone(key, value)
                side.i = len(side.keys)
                side.fill()

    def finish(self) -> None:
        for key in self._pending_expected:
            self._note("missing", key)
        for key in self._pending_actual:
            self._note("unexpected", key)
        self._pending_expected.clear()
        self._pending_actual.clear()
        for bucket in (self.missing, self.unexpected, self.different):
            bucket.sort(key=repr)

    def as_dict(self) -> dict[str, Any]:
        return {
            "equal": self.equal,
            "source_rows": self.expected_rows,
            "target_rows": self.actual_rows,
            "source_fingerprint": f"{self.expected_fingerprint:032x}",
            "target_fingerprint": f"{self.actual_fingerprint:032x}",
            "missing_in_target": {"count": self.missing_count, "ids": self.missing},
            "unexpected_in_target": {"count": self.unexpected_count, "ids": self.unexpected},
            "different": {"count": self.different_count, "ids": self.different},
            "seconds": round(self.seconds, 3),
        }
