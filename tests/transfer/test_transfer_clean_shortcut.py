"""The whole-chunk shortcut for clean legacy rows (transfer/clean.py) must give
exactly what RowRepairer gives for every row it lets through: the same stored
rows, the same checksums, the same repairs. Random raw values of every odd
kind go into a legacy file and are read both ways."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legacy_schema import legacy_statements
from transfer.checksum import column_digests, digest, row_text
from transfer.clean import bad_rows, value_ok
from transfer.reader import SqliteReader
from transfer.tables import ADDED_COLUMNS, SPECS

LEGACY = [name for name in SPECS if name != "data_repairs"]
TIMESTAMP_ODDITIES = [
    "2023-02-29 10:00:00", "2024-02-29 23:59:59", "2024-01-01 24:00:00", "0000-01-01 00:00:00",
    "2024-01-01 10:00:00\n", "2024-01-01T10:00:00", "01/02/2024 10:00", "2024-01-01 10:00:00.",
    "2024-13-01 00:00:00", "2024-04-31 12:00:00", "1900-02-29 00:00:00", "2000-02-29 00:00:00",
    "2024-01-01 10:00:00.1234567", "2024-01-01 10:00:60", "٢٠٢٤-01-01 10:00:00", " 2024-01-01 10:00:00",
    "2024-01-01 10:00:00\x00", "9999-12-31 23:59:59.999999", "0001-01-01 00:00:00", "",
]
JSON_ODDITIES = ["NaN", '{"a":', '"\\u0000"', '"\\ud800"', "null", " 1 ", "[1e400]", '{"a": -0.0}', "", "{}", '"\\u00e9"']


class Invalid(bytes):
    """Bytes to be stored as TEXT that is not valid UTF-8."""


def _timestamp_text() -> st.SearchStrategy[Any]:
    canonical = st.builds(
        lambda moment, digits: moment.strftime("%Y-%m-%d %H:%M:%S") + ("." + f"{moment.microsecond:06d}"[:digits] if digits else ""),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
        st.integers(0, 6),
    )
    return st.one_of(canonical, st.sampled_from(TIMESTAMP_ODDITIES), st.integers(0, 2_000_000_000), st.floats(0, 2e9))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def _value(kind: str, column: Any) -> st.SearchStrategy[Any]:
    anything = st.one_of(
        st.none(), st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False), st.text(max_size=8),
        st.binary(max_size=4), st.builds(Invalid, st.sampled_from([b"\xff", b"a\xc3", b"\xed\xa0\x80"])),
    )
    if kind == "int":
        typical = st.integers(-5, 3_000_000_000) | st.sampled_from(["7", " 3", "2.0", "2.5", "x", 2.0, 2.5])
    elif kind == "float":
        typical = st.floats(-0.5, 1.5) | st.sampled_from([0.0, -0.0, 1.0, "0.25", "high", float("inf")])
    elif kind == "text":
        typical = st.text(max_size=10) | st.sampled_from(["a\x00b", "line\nbreak", "\u2400", "é"])
    elif kind == "check":
        typical = st.sampled_from([*(column.allowed or ()), "other", "USER", ""])
    elif kind == "ts":
        typical = _timestamp_text()
    elif kind == "bool":
        typical = st.sampled_from([0, 1, 2, -1, "yes", "no", "true", "f", "", "maybe", 1.0, 0.5])
    elif kind == "json":
        typical = st.one_of(json_values.map(lambda v: json.dumps(v)), st.sampled_from(JSON_ODDITIES))
    else:
        raise AssertionError(kind)
    return st.one_of(typical, typical, anything)


@st.composite
def legacy_rows(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    table = draw(st.sampled_from(LEGACY))
    spec = SPECS[table]
    count = draw(st.integers(1, 6))
    rows = []
    if table == "sessions":
        keys = draw(st.lists(st.one_of(st.text(max_size=5), st.just("k\x00"), st.none(), st.binary(max_size=3)),
                             min_size=count, max_size=count, unique_by=lambda v: (type(v), v)))
    else:
        keys = draw(st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True))
    for key in keys:
        row = {spec.columns[0].name: key}
        for column in spec.columns[1:]:
            if column.name not in ADDED_COLUMNS.get(table, {}):  # legacy files have no such column
                row[column.name] = draw(_value(column.kind, column))
        rows.append(row)
    return table, rows


def _write(path: Path, table: str, rows: list[dict[str, Any]]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA ignore_check_constraints = ON")
    for statement in legacy_statements():
        conn.execute(statement)
    for row in rows:
        names = list(row)
        marks = ["CAST(? AS TEXT)" if isinstance(row[n], Invalid) else "?" for n in names]
        try:
            conn.execute(
                f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({", ".join(marks)})',
                [bytes(v) if isinstance(v, Invalid) else v for v in row.values()],
            )
        except sqlite3.IntegrityError:  # two keys SQLite sees as equal (1 and '1'): keep the first
            pass
    conn.close()


def _read(path: Path, table: str, target: str, fast: bool) -> list[Any]:
    reader = SqliteReader(str(path), target=target, fast=fast)
    try:
        out = []
        for mode in ("copy", "verify"):
            for chunk in reader.stream(table, mode, checksums=True, chunk_size=4):
                out.append((mode, chunk.rows, chunk.keys, chunk.digests, chunk.repairs,
                            [r.original for r in chunk.repairs], chunk.quarantined))
        return out
    finally:
        reader.close()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(legacy_rows(), st.sampled_from(["sqlite", "postgresql"]))
def test_shortcut_gives_what_row_repairer_gives(case: tuple[str, list[dict[str, Any]]], target: str) -> None:
    table, rows = case
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "legacy.db"
        _write(path, table, rows)
        assert _read(path, table, target, fast=True) == _read(path, table, target, fast=False)


@given(st.data())
def test_whole_column_checks_agree_with_value_checks(data: st.DataObject) -> None:
    table = data.draw(st.sampled_from(LEGACY))
    column = data.draw(st.sampled_from(SPECS[table].columns[1:]))
    target = data.draw(st.sampled_from(["sqlite", "postgresql"]))
    values = data.draw(st.lists(_value(column.kind, column).map(lambda v: bytes(v) if isinstance(v, Invalid) else v),
                                max_size=8))
    expected = {i for i, value in enumerate(values) if not value_ok(column, value, target)}
    assert bad_rows(column, values, target) == expected


def test_row_text_is_unambiguous() -> None:
    assert row_text((1, None, "é", 0.5, -0.0)) == "1\x1f\x1e\x1fé\x1f0.5\x1f0.0"
    assert row_text(("a\x1fb",)) != row_text(("a", "b"))
    assert row_text(("\x1e",)) != row_text((None,))
    assert row_text(("a\\U",)) != row_text(("a\x1f",))


@given(st.lists(st.lists(st.one_of(st.none(), st.integers(), st.text(), st.floats(allow_nan=False)), min_size=3,
                         max_size=3), max_size=5))
def test_column_digests_are_row_digests(rows: list[list[Any]]) -> None:
    columns = [list(column) for column in zip(*rows)] if rows else [[], [], []]
    assert column_digests(columns) == [digest(row) for row in rows]


def test_known_timestamp_edges() -> None:
    from transfer.clean import _timestamp_ok

    assert _timestamp_ok("2024-02-29 23:59:59") and _timestamp_ok("2000-02-29 00:00:00.5")
    for text in ("2023-02-29 10:00:00", "1900-02-29 00:00:00", "2024-04-31 00:00:00", "2024-01-01 24:00:00",
                 "0000-01-01 00:00:00", "2024-01-01 10:00:00\n", "2024-01-01 10:00:00.1234567"):
        assert not _timestamp_ok(text), text
