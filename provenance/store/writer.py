"""Write scan batches into the index: documents, passages, units and their band keys.

One batch is one transaction, written by the parent process only; its band keys are
appended as one run (:mod:`provenance.store.keyruns`). Candidates are not searched here
but by :func:`provenance.store.matching.match_pending` once the batches are in: one
pass per band over the whole index finds every new unit's candidates together, which is
far cheaper than probing stored keys batch by batch.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import accumulate, pairwise, repeat
from typing import Self

import numpy as np

from provenance.pipeline.batch import ProcessedBatch
from provenance.store.index import Index, delete_documents
from provenance.store.keyruns import append_anchors, append_run
from provenance.store.schema import FINGERPRINT_INDEX

__all__ = ["FingerprintIndex", "write_batch"]

#: A unit's shingle set is no longer stored (nothing read it: matching reads band keys,
#: anchors and token streams; a new configuration needs a new index): the column, kept
#: for the files that have it, holds an empty blob. It was ~8 % of an index's bytes.
_NO_SHINGLES = bytearray()


def _site(document_path: str, host: str | None) -> str:
    if host:
        return host
    head, _, rest = document_path.partition("/")
    return f"dir:{head}" if rest else ""


def write_batch(index: Index, batch: ProcessedBatch | None, replaces: Sequence[int] = ()) -> int:
    """Store a batch (dropping the old versions ``replaces`` of changed documents) in one
    transaction; returns the number of units stored (their matching is pending)."""
    if (batch is None or not batch.documents) and not replaces:
        return 0
    with index.transaction() as db:
        delete_documents(db, replaces)
        if batch is None or not batch.documents:
            return 0
        # Another scan may have stored the same file since we planned: the newest write wins.
        sources = [(document.source,) for document in batch.documents]
        stale = [row[0] for source in sources for row in db.execute("SELECT id FROM documents WHERE source = ?", source)]
        delete_documents(db, stale)
        first_doc, first_unit = index.next_ids()
        doc_ids = np.arange(first_doc, first_doc + len(batch.documents), dtype=np.int64)
        unit_ids = np.arange(first_unit, first_unit + batch.num_units, dtype=np.int64)
        _insert_documents(db, batch, doc_ids)
        _insert_units(db, batch, doc_ids, unit_ids)
        append_run(db, first_unit, batch.keys, doc_ids[batch.unit_doc], batch.unit_content_key)
        append_anchors(db, first_unit, batch.num_units, batch.anchor_values, unit_ids[batch.anchor_unit])
        index.set_meta(db, "next_unit", first_unit + batch.num_units)
    return batch.num_units


class FingerprintIndex:
    """``paragraphs_fingerprint`` left out while a scan fills an index that had no
    paragraphs, and built once after its batches.

    Fingerprints are hashes: each batch's ~700 paragraphs land on ~700 random pages of
    that index, and every commit wrote each of them out again (16 KB apiece; at 100k
    articles, more than the batch's own rows). One sort at the end costs 2 s at 100k.
    Only the boilerplate marking after the batches reads the index. A scan killed
    meanwhile leaves it out: the next writable open builds it (``Index._repair``).
    """

    def __init__(self, index: Index) -> None:
        self._index = index
        self._decided = False
        self.deferred = False

    def before_write(self) -> None:
        """Called before each batch is written: at the first, drop the index when the
        index holds no paragraph yet."""
        if self._decided:
            return
        self._decided = True
        self.deferred = True  # before the drop: a Ctrl-C just after its commit must not skip the build
        with self._index.transaction(findings_current=None) as db:
            if db.execute("SELECT 1 FROM paragraphs LIMIT 1").fetchone() is not None:
                self.deferred = False
                return
            db.execute(f"DROP INDEX IF EXISTS {FINGERPRINT_INDEX}")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, traceback: object) -> None:
        """Build the index again if :meth:`before_write` dropped it, a Ctrl-C meanwhile
        waiting until it is built (seconds at most). After an error, a failure to build it
        is left for the next open (the first error is the one to show)."""
        if not self.deferred:
            return
        try:
            with _sigint_deferred():
                self._index.build_fingerprint_index()
        except sqlite3.Error:
            if exc is None:
                raise
        self.deferred = False


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold a SIGINT that arrives inside the block and deliver it to the handler in place
    once the block is done (only the main thread receives signals or sets handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    handler = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)
    if held and callable(handler):
        handler(signal.SIGINT, None)
    elif held and handler == signal.SIG_DFL:
        signal.raise_signal(signal.SIGINT)


def _insert_documents(db, batch: ProcessedBatch, doc_ids: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    db.executemany(
        """INSERT INTO documents (id, path, source, content_hash, encoding, url, title, authors,
           published_us, date_only, site, size, mtime_ns, body_start, text)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (int(doc_id), d.path, d.source, d.content_hash, d.encoding, d.url, d.title, json.dumps(d.authors),
             published, int(d.date_only), _site(d.path, d.host), d.size, d.mtime_ns, d.body_start, text)
            for doc_id, d, published, text in zip(
                doc_ids.tolist(), batch.documents, batch.published_us, batch.compressed_texts, strict=True
            )
        ],
    )
    # Paragraph numbers restart at 0 in every document.
    first_of_doc = np.searchsorted(batch.paragraph_doc, batch.paragraph_doc, side="left")
    idx = np.arange(len(batch.paragraph_doc)) - first_of_doc
    db.executemany(
        "INSERT INTO paragraphs (doc_id, idx, start, end, words, fingerprint, pattern) VALUES (?, ?, ?, ?, ?, ?, ?)",
        zip(doc_ids[batch.paragraph_doc].tolist(), idx.tolist(), batch.paragraph_start.tolist(),
            batch.paragraph_end.tolist(), batch.paragraph_words.tolist(), batch.paragraph_fingerprint.tolist(),
            batch.paragraph_pattern.astype(np.int64).tolist()),
    )


def _insert_units(db, batch: ProcessedBatch, doc_ids: np.ndarray, unit_ids: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    """A row per paragraph unit and each article's unit range. Segments have no row
    (three in four units, ~10 s of a first scan of 100k articles): their ids, document
    ids and band keys are in the batch's key run, and each follows its paragraph's unit,
    which is all the candidate stage asks of them."""
    paragraph = np.flatnonzero(~batch.unit_is_segment)
    # bytearray slices, not bytes: sqlite3 binds a bytearray directly but looks up an
    # adapter for every bytes object, which cost more than building the rows.
    kept = [batch.unit_tokens[at] for at in paragraph.tolist()]
    token_bounds = [0, *accumulate(map(len, kept))]
    tokens = bytearray().join(kept)
    streams = [tokens[start:stop] if stop > start else None for start, stop in pairwise(token_bounds)]
    db.executemany(
        "INSERT INTO units VALUES (?, ?, ?, 'paragraph', ?, ?, ?, ?, ?, ?)",
        zip(unit_ids[paragraph].tolist(), doc_ids[batch.unit_doc[paragraph]].tolist(),
            batch.unit_paragraph[paragraph].tolist(), batch.unit_start[paragraph].tolist(),
            batch.unit_end[paragraph].tolist(), batch.unit_words[paragraph].tolist(),
            batch.unit_content_key[paragraph].tolist(), repeat(_NO_SHINGLES), streams),
    )
    if len(unit_ids):
        starts = np.flatnonzero(np.diff(batch.unit_doc, prepend=-1))  # a batch's units ascend by document
        stops = np.append(starts[1:], len(unit_ids))
        db.executemany("INSERT INTO doc_units (doc_id, first, stop) VALUES (?, ?, ?)",
                       zip(doc_ids[batch.unit_doc[starts]].tolist(), unit_ids[starts].tolist(),
                           (unit_ids[stops - 1] + 1).tolist()))
