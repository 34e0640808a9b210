"""Read ahead in a background thread, a bounded number of chunks at a time.

SQLite evaluates its queries and psycopg waits for the network without holding
Python's GIL, so reading the next chunk overlaps with writing (or checksumming)
the current one. At most `depth` chunks wait in the queue: memory stays bounded.
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
_END = object()


def prefetch(chunks: Iterator[T], depth: int = 2) -> Iterator[T]:
    slots: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for chunk in chunks:
                if not put(("item", chunk)):
                    return
            put(("end", _END))
        except BaseException as error:  # handed to the consumer, raised there
            put(("error", error))
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    pass

    worker = threading.Thread(target=work, name="aimhi-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = slots.get()
            if kind == "item":
                yield value
            elif kind == "end":
                return
            else:
                raise value
    finally:
        stop.set()
        while worker.is_alive():  # let a worker blocked on a full queue see `stop`
            try:
                slots.get_nowait()
            except queue.Empty:
                worker.join(0.005)
        worker.join()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """A copy allocates millions of short-lived tuples and no cycles: let the
    cyclic garbage collector run less often while it works."""
    before = gc.get_threshold()
    gc.freeze()  # what is alive now (modules, ...) is not scanned again
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
