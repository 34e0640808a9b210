"""Fixtures of the data-layer tests. The databases come from tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from data_helpers import FakeClock, LegacyUnderTest
from repository import Repository


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def repo(db_url: str, clock: FakeClock) -> Iterator[LegacyUnderTest]:
    """The legacy functions on `db_url` (sqlite / postgresql / pgbouncer) with a fake clock."""
    repository = LegacyUnderTest(Repository(db_url, clock=clock))
    try:
        yield repository
    finally:
        repository.dispose()
