"""Alembic environment: the URL comes from `-x url=...`, else DATABASE_URL, else
the embedded SQLite default. `repository.schema` passes a live connection instead.
"""

from __future__ import annotations

import logging
from logging.config import fileConfig
from typing import Any

from sqlalchemy import Connection

from alembic import context
from models import Base
from repository.config import database_url, make_engine
from repository.schema import sqlite_foreign_keys_off

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging_config"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        transaction_per_migration=False,
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url: Any = context.get_x_argument(as_dictionary=True).get("url") or database_url()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            with sqlite_foreign_keys_off(connection):
                _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) mode is not supported: run against a database")
run_migrations_online()
