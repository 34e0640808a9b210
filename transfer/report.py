"""What a run did, for people (progress bars, a summary) and for machines (a
JSON report file). URLs are always shown redacted; dirty rows are spooled to
a temporary file as they are found, so memory stays bounded however many.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from models.repair import Repair

SHOWN_DIRTY_ROWS = 15


def default_report_path(command: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path.cwd() / f"aimhi-{command}-report-{stamp}.json"


class RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if not speed and task.elapsed:
            speed = task.completed / task.elapsed
        return Text(f"{speed:>9,.0f} rows/s" if speed else "        – rows/s", style="progress.data.speed")


class Ui:
    """Progress bars on a terminal; one line per finished table otherwise."""

    def __init__(self, console: Console | None = None, quiet: bool = False) -> None:
        self.console = console or Console()
        self.quiet = quiet
        self.live = self.console.is_terminal and not quiet
        self.progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            RowsPerSecond(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=self.console,
            disable=not self.live,
        )

        self._running = False

    def start(self) -> None:
        if not self._running:
            self.progress.start()
            self._running = True

    def stop(self) -> None:
        if self._running:
            self.progress.stop()
            self._running = False

    def __enter__(self) -> Ui:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def say(self, message: str) -> None:
        if not self.quiet:
            self.console.print(message, highlight=False, soft_wrap=True)

    @contextmanager
    def task(self, description: str, total: int, completed: int = 0) -> Iterator[TaskHandle]:
        self.start()
        task_id = self.progress.add_task(description, total=max(total, completed), completed=completed)
        handle = TaskHandle(self.progress, task_id, completed)
        try:
            yield handle
        finally:
            self.progress.update(task_id, completed=max(handle.done, 0))
            self.progress.stop_task(task_id)
            if not self.live and not self.quiet:
                seconds = time.monotonic() - handle.started
                rate = handle.moved / seconds if seconds > 0 else 0.0
                self.console.print(
                    f"{description:<28} {handle.done:>10,} rows  {seconds:7.1f} s  {rate:>10,.0f} rows/s",
                    highlight=False,
                )


class TaskHandle:
    def __init__(self, progress: Progress, task_id: Any, completed: int) -> None:
        self.progress = progress
        self.task_id = task_id
        self.done = completed
        self.moved = 0
        self.started = time.monotonic()

    def advance(self, rows: int) -> None:
        self.done += rows
        self.moved += rows
        self.progress.advance(self.task_id, rows)

    def grow(self, rows: int) -> None:
        task = self.progress.tasks[[t.id for t in self.progress.tasks].index(self.task_id)]
        self.progress.update(self.task_id, total=(task.total or 0) + rows)


class Report:
    def __init__(self, command: str, **fields: Any) -> None:
        self.started = time.monotonic()
        self.data: dict[str, Any] = {
            "tool": "aimhi transfer",
            "command": command,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **fields,
        }
        self._spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.dirty_counts: Counter[tuple[str, str]] = Counter()
        self.shown: list[Repair] = []

    def add_repairs(self, repairs: Iterable[Repair]) -> None:
        for repair in repairs:
            self.dirty_counts[(repair.table, repair.action)] += 1
            if len(self.shown) < SHOWN_DIRTY_ROWS:
                self.shown.append(repair)
            self._spool.write(
                json.dumps(
                    {
                        "table": repair.table,
                        "id": repair.row_key,
                        "column": repair.column,
                        "action": repair.action,
                        "detail": repair.detail,
                    },
                    ensure_ascii=True,
                )
                + "\n"
            )

    @property
    def dirty_total(self) -> int:
        return sum(self.dirty_counts.values())

    def finish(self, **fields: Any) -> None:
        self.data.update(fields)
        self.data["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.data["seconds"] = round(time.monotonic() - self.started, 3)
        self.data["dirty_row_counts"] = [
            {"table": table, "action": action, "rows": count}
            for (table, action), count in sorted(self.dirty_counts.items())
        ]

    def write(self, path: Path) -> None:
        """The JSON report; dirty rows streamed from the spool (bounded memory)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        head = json.dumps(self.data, indent=2, ensure_ascii=False, default=str)
        with open(partial, "w", encoding="utf-8") as out:
            out.write(head[: head.rindex("}")].rstrip())
            out.write(',\n  "dirty_rows": [')
            self._spool.seek(0)
            first = True
            for line in self._spool:
                out.write("\n    " if first else ",\n    ")
                out.write(line.rstrip("\n"))
                first = False
            out.write("\n  ]\n}\n" if not first else "]\n}\n")
        os.replace(partial, path)
        self._spool.close()

    # ---- the summary for people ------------------------------------------

    def print_summary(self, console: Console) -> None:
        tables = self.data.get("tables", {})
        if tables:
            grid = Table(title="Rows per table", title_justify="left")
            grid.add_column("table")
            columns = [name for name in ("source_rows", "already_there", "copied", "quarantined", "placeholders",
                                          "target_rows", "rows_per_s", "seconds", "verified") if any(name in t for t in tables.values())]
            for name in columns:
                grid.add_column(name.replace("_", " "), justify="right")
            for table, info in tables.items():
                grid.add_row(table, *[_cell(info.get(name)) for name in columns])
            console.print(grid)
        if self.dirty_counts:
            grid = Table(title=f"Dirty rows: {self.dirty_total:,} (all listed in the report file)", title_justify="left")
            for name in ("table", "action", "rows"):
                grid.add_column(name, justify="right" if name == "rows" else "left")
            for (table, action), count in sorted(self.dirty_counts.items()):
                grid.add_row(table, action, f"{count:,}")
            console.print(grid)
            examples = Table(title="First dirty rows", title_justify="left")
            for name in ("table", "id", "column", "action", "detail"):
                examples.add_column(name, overflow="fold")
            for repair in self.shown:
                examples.add_row(repair.table, _printable(repair.row_key), repair.column or "", repair.action,
                                 _printable(repair.detail))
            console.print(examples)
        else:
            console.print("Dirty rows: none")


def _printable(text: str) -> str:
    """Control characters (a NUL in an id, ...) shown as escapes, not sent to the terminal."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
