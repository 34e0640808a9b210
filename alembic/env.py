"""Alembic environment, as the cookbook has it.

Where the database comes from, first that applies:
* `config.attributes["connection"]`: a Connection (used as it is, in the
  caller's transaction) or an Engine (a connection is opened) - what
  `repository.schema` and pytest-alembic hand over;
* `-x url=...`, else the repository's choice (DATABASE_URL, DATABASE_PROVIDER,
  else the embedded SQLite file).

Offline (`alembic upgrade head --sql`): SQL for Postgres is written out (for
Supabase's SQL editor); the URL only names the dialect.

The legacy data repair that migration 0002 runs on an adopted SQLite file is
handed in here (`config.attributes["legacy_repair"]`), so the migrations
themselves import nothing that can change.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from sqlalchemy import Connection, Engine

from alembic import context
from models import Base
from repository.adoption import repair_legacy_rows
from repository.config import database_url, normalise_url
from repository.engines import make_engine
from repository.schema import sqlite_foreign_keys_off

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging_config"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
config.attributes.setdefault("legacy_repair", repair_legacy_rows)


def _options(dialect: str) -> dict[str, Any]:
    return {
        "target_metadata": Base.metadata,
        "render_as_batch": dialect == "sqlite",
        "compare_type": True,
        "transaction_per_migration": False,
    }


def _run(connection: Connection) -> None:
    context.configure(connection=connection, **_options(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


def _run_on_engine(engine: Engine) -> None:
    with engine.connect() as connection, sqlite_foreign_keys_off(connection):
        _run(connection)
        if connection.in_transaction():
            connection.commit()


def _url() -> str:
    return context.get_x_argument(as_dictionary=True).get("url") or database_url()


def run_migrations_online() -> None:
    given: Connection | Engine | None = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run(given)
    elif isinstance(given, Engine):
        _run_on_engine(given)
    else:
        engine = make_engine(_url())
        try:
            _run_on_engine(engine)
        finally:
            engine.dispose()


def run_migrations_offline() -> None:
    url = normalise_url(_url())
    context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"},
                      **_options(url.get_backend_name()))
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
