"""Whether a scan is writing an index right now.

Readers and ``doctor`` see what a scan has committed so far: passages not matched yet,
findings not refreshed, and during a first scan no fingerprint index (dropped on
purpose, built at its end). Left by a killed scan these mean work to finish; while a
scan runs they mean only "wait". To tell the two apart, a scan holds a shared advisory
lock (``flock``) on a file beside the index, ``<index>-scan``, from start to end, and the
last one out removes the file. The operating system drops the lock with the process
however it ends, so a lock that can be taken means no scan is running. Concurrent scans
share it; a reader probes it with an exclusive non-blocking lock, released at once (a
probe that meets another reader's probe tries again). Without ``fcntl`` (Windows)
nothing is known, and readers say what they said before: "an interrupted scan?".
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from provenance.store.index import Index

__all__ = ["lock_path", "scan_running", "scanning"]

#: A probe that cannot take the lock tries this many times in all, this long apart: a
#: reader's probe holds it for microseconds, a scan for the whole scan.
_PROBES = 3
_PROBE_PAUSE_S = 0.01


def lock_path(index_path: Path) -> Path:
    """The lock file of the index at ``index_path`` (beside it, like SQLite's ``-wal``)."""
    return index_path.with_name(index_path.name + "-scan")


@contextmanager
def scanning(index: Index) -> Iterator[None]:
    """Hold the scan lock of ``index`` for the block; nothing for an index thrown away
    after use (a check's sandbox or scratch copy writes nothing lasting)."""
    if fcntl is None or index.throwaway:
        yield
        return
    path = lock_path(Path(index.path))
    handle = _locked(path)
    if handle is None:  # a folder the scan cannot write: it fails on its own, with its own message
        yield
        return
    try:
        yield
    finally:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(path)  # no other scan (nor a probe) holds it: the last one out
        except OSError:
            pass
        os.close(handle)  # releases the lock


def _locked(path: Path) -> int | None:
    """A handle on the lock file holding a shared lock, or ``None`` if it cannot be made."""
    while True:
        try:
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return None
        fcntl.flock(handle, fcntl.LOCK_SH)
        if _same_file(handle, path):
            return handle
        os.close(handle)  # the last scan out removed it meanwhile: lock the new one


def _same_file(handle: int, path: Path) -> bool:
    try:
        found, held = path.stat(), os.fstat(handle)
    except FileNotFoundError:
        return False
    return (found.st_dev, found.st_ino) == (held.st_dev, held.st_ino)


def scan_running(index_path: Path) -> bool | None:
    """Whether a scan holds the index at ``index_path``; ``None`` when that cannot be known."""
    if fcntl is None:
        return None
    try:
        handle = os.open(lock_path(index_path), os.O_RDONLY)
    except FileNotFoundError:
        return False  # never scanned by a version that locks
    except OSError:
        return None
    try:
        for attempt in range(_PROBES):
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if attempt + 1 < _PROBES:
                    time.sleep(_PROBE_PAUSE_S)
                continue
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False
        return True
    finally:
        os.close(handle)
