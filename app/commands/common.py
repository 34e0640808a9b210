"""What every command does the same way: fail with one clear line on stderr
and a set exit code, and never show a password, not even one inside a driver's
error message."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from repository.config import normalise_url

EXIT_OK = 0
EXIT_NOT_FOUND = 1  # erase: there is no yarn with that id
EXIT_USAGE = 2  # bad input (click uses 2 for its own usage errors too)
EXIT_DATABASE = 3  # the database could not be used (as `aimhi copy` says it)
MASK = "***"


def secrets_in(url: str | None) -> list[str]:
    """The password of a URL, as typed and as decoded (longest first)."""
    if not url:
        return []
    found: set[str] = set()
    credentials = url.partition("://")[2].rpartition("@")[0]
    if ":" in credentials:
        found.add(credentials.partition(":")[2])
    try:
        password = normalise_url(url).password
    except Exception:
        password = None
    if password:
        found.add(str(password))
    return sorted((s for s in found if s), key=len, reverse=True)


def scrub(text: str, *urls: str | None) -> str:
    """The text with every password of these URLs replaced by ***."""
    for url in urls:
        for secret in secrets_in(url):
            text = text.replace(secret, MASK)
    return text


def first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__


def fail(message: str, code: int, *urls: str | None) -> NoReturn:
    """`Error: <message>` on stderr (passwords scrubbed), then exit `code`."""
    click.echo(f"Error: {scrub(message, *urls)}", err=True)
    sys.exit(code)
