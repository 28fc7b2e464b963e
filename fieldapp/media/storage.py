"""Content-addressed file storage.

Callers see only `Storage`: `put` a finished temporary file under a key (the store takes
it over; True if the key was new), `open` it, ask whether a key `exists`, `remove` a key
an upload put there but could not commit. Keys are sha256 digests sharded as
ab/cd/abcd…; the local backend renames the spooled file into place, so a reader never sees
a half-written file and the bytes are written once. An S3-compatible backend
implements the same four methods.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

# A sha256 digest, optionally with a suffix for derived files (e.g. "<sha>.thumb.jpg").
KEY = re.compile(r"[0-9a-f]{64}(\.[a-z]+)*")


def shard(key: str) -> str:
    return f"{key[:2]}/{key[2:4]}/{key}"


class Storage(Protocol):
    def put(self, key: str, source: Path) -> bool: ...

    def open(self, key: str) -> BinaryIO: ...

    def exists(self, key: str) -> bool: ...

    def remove(self, key: str) -> None: ...


class LocalStorage:
    """Files under `root`, one per key; the same key written twice is stored once."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if not KEY.fullmatch(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / shard(key)

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def put(self, key: str, source: Path) -> bool:
        """Move the finished file `source` into place by rename (atomic on one file
        system; the upload spool lives under the store for that reason), else copy it to a
        temporary name beside the target and rename that. False if the key was there."""
        target = self.path(key)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)
        except OSError:  # another file system: copy, then rename
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                    shutil.copyfileobj(src, out, 1024 * 1024)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        return True

    def remove(self, key: str) -> None:
        """Delete a key's file. Its shard folders stay: another upload may be putting a
        file into them this moment."""
        self.path(key).unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")
