"""`python -m transfer copy|verify|backup ...` (the same commands as `aimhi`)."""

from __future__ import annotations

import click

from transfer.cli import backup, copy, verify


@click.group(help="AIMhi-Y data tools: copy, verify, backup.")
def main() -> None:
    pass


main.add_command(copy)
main.add_command(verify)
main.add_command(backup)

if __name__ == "__main__":
    main()
