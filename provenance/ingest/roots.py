"""Display paths: every document's name relative to one root folder per index.

The rule (also in the README): the index stores a *root*, the deepest folder holding
everything scanned into it — each scanned folder, and the folder of each file named on
the command line (symlinks in those arguments resolved). A document's display path is its
path below that root with ``/`` separators (a feed record's is ``FILE#N``). The first
scan of one folder makes that folder the root, so its paths read as they always did; a
later scan of a folder outside it moves the root up to their common ancestor and every
stored path gains the folder between (``x.txt`` becomes ``a/x.txt``). Two different
files therefore never share a display path. The root never moves down (``--prune`` keeps
it). Display paths are names for reports; a document's identity on disk is its absolute
``source``, which is how rescans and ``--prune`` find it again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from provenance.errors import InputError

__all__ = ["common_root", "input_base", "legacy_base", "prefix", "rebase", "rebased_paths", "settle_root"]


def input_base(path: str | os.PathLike[str]) -> str:
    """The folder a scanned PATH's display paths start from: the folder itself, or a
    named file's folder (resolved, so a symlink and its target give the same names)."""
    raw = os.path.abspath(path)
    return os.path.realpath(raw) if os.path.isdir(raw) else os.path.realpath(os.path.dirname(raw))


def common_root(folders: Iterable[str]) -> str:
    """The deepest folder holding every one of ``folders``."""
    folders = list(folders)
    try:
        return os.path.commonpath(folders)
    except ValueError as exc:  # Windows: folders on different drives share no root
        raise InputError(f"{', '.join(folders)}: no common folder; scan them into separate indexes") from exc


def prefix(base: str, root: str) -> str:
    """What goes before a path relative to ``base`` to make it relative to ``root``
    (``""`` or ``"a/b/"``); ``base`` is ``root`` or below it."""
    between = Path(os.path.relpath(base, root)).as_posix()
    return "" if between == "." else between + "/"


def rebase(display: str, base: str, root: str) -> str:
    """``display`` (relative to ``base``) made relative to ``root``, an ancestor of ``base``."""
    return prefix(base, root) + display


def legacy_base(source: str, display: str) -> str | None:
    """For an index written before roots were stored: the folder ``display`` was relative
    to, when ``source`` (absolute, ``#N`` for a feed record) ends with it; else ``None``."""
    tail, posix = "/" + display, Path(source).as_posix()
    if display.startswith("/") or not posix.endswith(tail):
        return None
    return str(Path(posix[: -len(tail)] or "/"))


def rebased_paths(documents: Sequence[tuple[int, str, str | None]], root: str) -> list[tuple[str, int]]:
    """``(new display path, id)`` for the documents ``(id, display, base)`` whose path changes
    when the root becomes ``root``; a document without a known base keeps its path."""
    return [(rebase(display, base, root), doc) for doc, display, base in documents
            if base is not None and prefix(base, root)]


def settle_root(
    paths: Sequence[str | os.PathLike[str]], stored_root: str | None,
    stored: Callable[[], Iterable[tuple[int, str, str]]],
) -> tuple[str, list[tuple[str, int]] | None]:
    """The root once ``paths`` are scanned into an index whose root is ``stored_root``, and
    the stored display paths that change with it (``None``: the root stays).

    ``stored`` lists the stored documents as ``(id, display path, source)``; it is only
    called when the root moves, or for an index written before roots were stored (each
    document's folder is then worked out from its source and path).
    """
    for raw in paths:
        if not os.path.lexists(raw):
            raise InputError(f"{raw}: no such file or directory")
    bases = [input_base(raw) for raw in paths]
    documents: list[tuple[int, str, str | None]]
    if stored_root is not None:
        root = common_root([stored_root, *bases])
        if root == stored_root:
            return root, None
        documents = [(doc, display, stored_root) for doc, display, _ in stored()]
    else:
        documents = [(doc, display, legacy_base(source, display)) for doc, display, source in stored()]
        root = common_root([*bases, *(base for _, _, base in documents if base is not None)])
    return root, rebased_paths(documents, root)
