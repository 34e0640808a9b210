"""pytest-alembic's built-in tests, unmodified, with its own default engine
fixture (an in-memory SQLite database handed to env.py as an Engine)."""

from pytest_alembic.tests import (  # noqa: F401 - collected as tests
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from pytest_alembic.tests.experimental import test_downgrade_leaves_no_trace  # noqa: F401
