"""Exceptions the repository raises, the same type on both engines."""


class RepositoryError(Exception):
    """Base class of every error the repository raises on purpose."""


class InvalidValue(RepositoryError, ValueError):
    """A value the database cannot hold or the schema does not allow.

    Raised before any SQL runs (or translated from a constraint error), with the
    transaction rolled back: nothing is half-written.
    """


class UnknownSession(RepositoryError, LookupError):
    """A row was written for a session that does not exist."""


class DatabaseUnavailable(RepositoryError):
    """The database did not answer. The message never contains the password."""


class SchemaMismatch(RepositoryError):
    """The database holds tables that are neither this project's nor the legacy
    schema, so `aimhi upgrade` refuses to touch it."""
