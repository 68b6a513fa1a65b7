"""Write scan batches into the index: documents, passages, units, keys and matches.

One batch is one transaction, written by the parent process only. Candidates for the
new units are found against everything already stored *and* the batch itself, through
the stored band keys: for each ``(band, key)`` of a new unit, SQLite returns at most the
last ``max_bucket + 1`` stored members of that bucket (an index range scan), never a
whole bucket and never a stored unit as a Python object. That tail is all the pairing
rule of :mod:`provenance.pipeline.lsh` needs, so the matches of an incremental scan are
the ones a full rescan in the same order finds, and the work per batch does not grow
with the size of the index.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import polars as pl

from provenance.config import Config
from provenance.pipeline.batch import ProcessedBatch
from provenance.pipeline.lsh import MEMBER_SCHEMA, candidate_pairs
from provenance.pipeline.verify import ShingleTable, verify_pairs
from provenance.store.index import Index, decode_shingles

__all__ = ["write_batch"]

_KINDS = ("paragraph", "segment")
_CACHE_KIB = 512 * 1024

# The stored tail of every bucket a new unit falls in. ``nk`` keeps the new (band, key)s
# that have a stored member at all (one primary-key probe each; the two-sided range on
# unit_id makes SQLite read them from band_keys_unit instead of scanning the table). The
# scalar subquery finds where the tail starts (the (max_bucket + 1)-th stored member from
# the end) and the join range-scans the primary key (band, key, unit_id) from there.
_STORED_TAIL = """
SELECT nk.band, nk.key, s.unit_id, u.doc_id, u.content_key
FROM (SELECT DISTINCT n.band, n.key FROM band_keys AS n
      WHERE n.unit_id >= :first AND n.unit_id < :stop
        AND EXISTS (SELECT 1 FROM band_keys AS e WHERE e.band = n.band AND e.key = n.key AND e.unit_id < :first)) AS nk
JOIN band_keys AS s ON s.band = nk.band AND s.key = nk.key AND s.unit_id < :first
    AND s.unit_id >= COALESCE((
        SELECT t.unit_id FROM band_keys AS t
        WHERE t.band = nk.band AND t.key = nk.key AND t.unit_id < :first
        ORDER BY t.unit_id DESC LIMIT 1 OFFSET :limit), 0)
JOIN units AS u ON u.id = s.unit_id
"""


def _site(document_path: str, host: str | None) -> str:
    if host:
        return host
    head, _, rest = document_path.partition("/")
    return f"dir:{head}" if rest else ""


def write_batch(index: Index, batch: ProcessedBatch | None, replaces: Sequence[int] = ()) -> int:
    """Store a batch (dropping the old versions ``replaces`` of changed documents) and its
    verified matches in one transaction; return the number of new matches."""
    if (batch is None or not batch.documents) and not replaces:
        return 0
    # Band keys land all over two B-trees (by key, and by unit): a page cache that holds
    # their hot pages turns that random I/O into memory work. Per connection, not stored.
    index.connection.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
    with index.transaction() as db:
        db.executemany("DELETE FROM documents WHERE id = ?", [(int(doc),) for doc in replaces])
        if batch is None or not batch.documents:
            return 0
        # Another scan may have stored the same file since we planned: the newest write wins.
        db.executemany("DELETE FROM documents WHERE source = ?", [(document.source,) for document in batch.documents])
        first_doc, first_unit = index.next_ids()
        doc_ids = np.arange(first_doc, first_doc + len(batch.documents), dtype=np.int64)
        unit_ids = np.arange(first_unit, first_unit + batch.num_units, dtype=np.int64)
        _insert_documents(db, batch, doc_ids)
        _insert_units(db, batch, doc_ids, unit_ids)
        matches = _match_new_units(db, index.config, batch, doc_ids, unit_ids)
        db.executemany("INSERT OR IGNORE INTO matches (a, b, similarity, shared) VALUES (?, ?, ?, ?)", matches)
    return len(matches)


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
    offsets = batch.shingle_offsets.tolist()
    raw = batch.shingles.astype("<u4").tobytes()
    blobs = [raw[4 * start : 4 * stop] for start, stop in pairwise(offsets)]
    db.executemany(
        "INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        zip(unit_ids.tolist(), doc_ids[batch.unit_doc].tolist(), batch.unit_paragraph.tolist(),
            [_KINDS[flag] for flag in batch.unit_is_segment.tolist()], batch.unit_start.tolist(),
            batch.unit_end.tolist(), batch.unit_words.tolist(), batch.unit_content_key.tolist(), blobs),
    )
    num_bands = batch.keys.shape[1]
    bands = np.tile(np.arange(num_bands, dtype=np.int64), len(unit_ids))
    keys = batch.keys.ravel()
    owners = np.repeat(unit_ids, num_bands)
    order = np.lexsort((owners, keys, bands))  # B-tree order: neighbouring inserts share pages
    db.executemany(
        "INSERT OR IGNORE INTO band_keys (band, key, unit_id) VALUES (?, ?, ?)",
        zip(bands[order].tolist(), keys[order].tolist(), owners[order].tolist()),
    )


def _match_new_units(  # type: ignore[no-untyped-def]
    db, config: Config, batch: ProcessedBatch, doc_ids: np.ndarray, unit_ids: np.ndarray
) -> list[tuple[int, int, float, int]]:
    if not len(unit_ids):
        return []
    first = int(unit_ids[0])
    num_bands = batch.keys.shape[1]
    new = pl.DataFrame(
        {
            "band": np.tile(np.arange(num_bands, dtype=np.int64), len(unit_ids)),
            "key": batch.keys.ravel(),
            "unit": np.repeat(unit_ids, num_bands),
            "doc": np.repeat(doc_ids[batch.unit_doc], num_bands),
            "content": np.repeat(batch.unit_content_key, num_bands),
        },
        schema=MEMBER_SCHEMA,
    )
    bounds = {"first": first, "stop": int(unit_ids[-1]) + 1, "limit": config.lsh.max_bucket}
    rows = db.execute(_STORED_TAIL, bounds).fetchall()
    stored = pl.DataFrame(rows, schema=MEMBER_SCHEMA, orient="row")
    pairs = candidate_pairs(pl.concat([stored, new]), config.lsh, first)
    if pairs.is_empty():
        return []
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    old_ids = np.unique(a[a < first])
    table = ShingleTable.concat([_stored_shingles(db, old_ids), ShingleTable(unit_ids, batch.shingle_offsets, batch.shingles)])
    return verify_pairs(a, b, table, config.verify).rows()


def _stored_shingles(db, unit_ids: np.ndarray) -> ShingleTable:  # type: ignore[no-untyped-def]
    """Shingle sets of stored units (only the candidates' partners, never all)."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS partner_units (id INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM temp.partner_units")
    db.executemany("INSERT INTO temp.partner_units VALUES (?)", ((int(u),) for u in unit_ids.tolist()))
    rows = db.execute(
        "SELECT u.id, u.shingles FROM temp.partner_units AS p JOIN units AS u ON u.id = p.id ORDER BY u.id"
    ).fetchall()
    return ShingleTable.from_sets([row[0] for row in rows], [decode_shingles(row[1]) for row in rows])
