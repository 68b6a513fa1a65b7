"""Copy an index without writing anything beside it (``check`` works on such a copy).

An index is often a cached CI artifact: a check must neither change it nor leave a
``-wal`` or ``-shm`` file next to it.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from provenance.errors import IndexError_, SchemaError

__all__ = ["copy_index"]


def copy_index(original: Path, target: Path) -> None:
    """Copy ``original`` to ``target`` without writing anything beside it.

    Without a ``-wal`` (or with an empty one) the file is copied as is. With one (a writer
    is active, or was killed) SQLite's backup API reads through it page by page from a
    read-only connection.
    """
    wal = original.with_name(original.name + "-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        # No writer has anything pending: the file alone is the index, and a plain copy
        # (copy_file_range, no page-by-page SQLite reads) is ~5x faster for a big index.
        # Index.open validates the copy like any other file.
        try:
            shutil.copyfile(original, target)
            return
        except OSError as exc:
            raise IndexError_(f"{original}: cannot read the index ({exc.strerror or exc})") from exc
    mode = "mode=ro"
    try:
        with closing(sqlite3.connect(f"{original.resolve().as_uri()}?{mode}", uri=True)) as source, \
                closing(sqlite3.connect(target)) as destination:
            source.backup(destination)
    except sqlite3.DatabaseError as exc:
        raise SchemaError(f"{original}: not a passage-provenance index ({exc}); pass another --index") from exc
    except OSError as exc:
        raise IndexError_(f"{original}: cannot read the index ({exc.strerror or exc})") from exc
