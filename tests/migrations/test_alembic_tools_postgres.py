"""pytest-alembic's built-in tests, unmodified, on a fresh empty Postgres
database (the engine fixture is the only thing overridden)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pytest_alembic.tests import (  # noqa: F401 - collected as tests
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from pytest_alembic.tests.experimental import test_downgrade_leaves_no_trace  # noqa: F401
from sqlalchemy import Engine, create_engine

from repository.config import normalise_url


@pytest.fixture
def alembic_engine(make_empty_db: Callable[[str], str]) -> Iterator[Engine]:
    engine = create_engine(normalise_url(make_empty_db("postgresql")))
    try:
        yield engine
    finally:
        engine.dispose()
