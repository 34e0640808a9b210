"""`aimhi`: the project's one command-line entry."""

from __future__ import annotations

import click

from app.commands.common import EXIT_USAGE, fail, first_line
from app.commands.data import cleanup, erase
from app.commands.risk import risk_eval, risk_train
from repository import RepositoryError
from repository.config import BadDatabaseURL, database_url, redact


@click.group(help="AIMhi-Y Supportive Yarn: chatbot service and data tools.")
def main() -> None:
    pass


@main.command(help="Bring the database to the latest schema (adopts a legacy SQLite file in place).")
@click.option("--url", help="Database URL (default: DATABASE_URL, else the embedded SQLite file).")
def upgrade(url: str | None) -> None:
    from repository.schema import current_revision, upgrade as run_upgrade
    from repository.engines import make_engine

    try:
        target = database_url(url)
        engine = make_engine(target)
    except BadDatabaseURL as error:  # its message names no credentials
        fail(str(error), EXIT_USAGE, url)
    click.echo(f"Upgrading {redact(target)}")
    try:
        found = run_upgrade(engine)
        with engine.connect() as connection:
            revision = current_revision(connection)
    except RepositoryError as error:
        fail(str(error), 2, target)  # refused, e.g. tables that are not this project's: nothing changed
    except Exception as error:  # driver errors: say what, never the URL's password
        fail(f"could not upgrade {redact(target)}: {type(error).__name__}: {first_line(error)}", 1, target)
    finally:
        engine.dispose()
    notes = {
        "empty": "created the schema",
        "versioned": "already versioned; applied any new migrations",
        "legacy": "adopted the legacy file in place (see the data_repairs table for any repaired rows)",
    }
    click.echo(f"Done: {notes.get(found, found)}. Revision {revision}.")


@main.command(help="Run the chatbot locally (Flask's development server).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False)
def serve(host: str, port: int, debug: bool) -> None:
    from app import create_app

    try:
        application = create_app()
    except BadDatabaseURL as error:  # its message names no credentials
        fail(str(error), EXIT_USAGE, None)
    click.echo(f"AIMhi-Y yarn on http://{host}:{port}/  (database: {redact(application.config['DATABASE_URL'])})")
    application.run(host=host, port=port, debug=debug, use_reloader=False)


for _command in (erase, cleanup, risk_eval, risk_train):
    main.add_command(_command)


def _add_transfer_commands() -> None:
    try:
        from transfer.cli import backup, copy, verify
    except ImportError:  # the transfer package is optional for the service itself
        return
    for command in (copy, verify, backup):
        main.add_command(command)


_add_transfer_commands()
