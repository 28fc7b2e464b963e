"""At most N decodes at once in this process.

Each decode of a photo or a video frame holds up to the decode budget in memory, so a
worker's peak is about its idle size plus N budgets, whatever arrives. A request that finds
every slot taken waits up to a bounded time, then gives up (`Busy`; the API answers 503 with
Retry-After). Not an unbounded queue: a worker has only its request threads, a waiting
upload holds one of them and its spooled file, and a phone keeps the file and retries under
the same client id, which answers the first upload if one got through.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_semaphores: dict[int, threading.BoundedSemaphore] = {}
_lock = threading.Lock()


class Busy(Exception):
    """Every decode slot stayed taken for the whole wait."""


@contextmanager
def decode_slot(slots: int, wait_s: float) -> Iterator[None]:
    """Hold one of this process's `slots` decode slots, waiting up to `wait_s` for it."""
    with _lock:
        semaphore = _semaphores.get(slots)
        if semaphore is None:
            semaphore = _semaphores[slots] = threading.BoundedSemaphore(slots)
    if not semaphore.acquire(timeout=wait_s):
        raise Busy(f"all {slots} decode slots stayed busy for {wait_s:g} s")
    try:
        yield
    finally:
        semaphore.release()
