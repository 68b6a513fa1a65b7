"""An index to scan into without changing the user's: what ``check`` and ``trace`` of
text not in the index work on.

The index itself in a sandbox (:meth:`~provenance.store.index.Index.sandbox`): the
articles are scanned into it as ``scan`` would (the same incremental path, so the cost
follows the new articles, not the index), and every write is rolled back on close; the
file is neither copied nor changed. Where it cannot be sandboxed (a read-only folder,
a writer's changes waiting in a ``-wal``, an older schema) the file is copied into a
scratch folder first; with no index at all the scratch index starts empty.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from provenance.errors import IndexError_
from provenance.store.index import Index
from provenance.store.snapshot import copy_index

__all__ = ["scratch_index"]


@contextmanager
def scratch_index(index_path: Path) -> Iterator[Index]:
    """The index at ``index_path`` with writes that never reach it (see the module)."""
    found = index_path.exists() and index_path.stat().st_size > 0
    sandbox = Index.sandbox(index_path) if found else None
    if sandbox is not None:
        with sandbox:
            yield sandbox
        return
    with tempfile.TemporaryDirectory(prefix="provenance-scratch-") as scratch_dir:
        scratch = Path(scratch_dir) / "index.sqlite"
        if found:
            copy_index(index_path, scratch)
        try:
            with Index.open(scratch) as index:
                index.disposable = True
                yield index
        except IndexError_ as exc:  # name the user's file, not our copy
            raise type(exc)(str(exc).replace(str(scratch), str(index_path))) from exc
