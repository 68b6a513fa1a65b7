"""Write scan batches into the index: documents, passages, units, keys and matches.

One batch is one transaction. Candidates for the new units are found against everything
already stored *and* the batch itself, through the stored band keys, so the matches of
an incremental scan are the same as those of a full rescan.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence

import polars as pl

from provenance.pipeline.build import ProcessedDocument
from provenance.pipeline.lsh import candidate_pairs
from provenance.pipeline.verify import verify_pairs
from provenance.store.index import Index, encode_shingles

__all__ = ["write_batch"]


def _site(document_path: str, host: str | None) -> str:
    if host:
        return host
    head, _, rest = document_path.partition("/")
    return f"dir:{head}" if rest else ""


def write_batch(index: Index, batch: Sequence[ProcessedDocument], replaces: Sequence[int] = ()) -> int:
    """Store a batch (dropping the old versions ``replaces`` of changed documents) and its
    verified matches in one transaction; return the number of new matches."""
    if not batch and not replaces:
        return 0
    with index.transaction() as db:
        db.executemany("DELETE FROM documents WHERE id = ?", [(doc,) for doc in replaces])
        doc_id, unit_id = index.next_ids()
        new_units: dict[int, object] = {}
        for item in batch:
            document = item.document
            db.execute(
                """INSERT INTO documents (id, path, source, content_hash, encoding, url, title, authors,
                   published_us, date_only, site, size, mtime_ns, body_start, text)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    doc_id, document.path, document.source, document.content_hash, document.encoding,
                    document.url, document.title, json.dumps(document.authors), item.published_us,
                    int(document.date_only), _site(document.path, document.host), document.size,
                    document.mtime_ns, document.body_start,
                    zlib.compress(document.text.encode("utf-8", "surrogatepass"), 6),
                ),
            )
            db.executemany(
                "INSERT INTO paragraphs (doc_id, idx, start, end, words, fingerprint, pattern) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (doc_id, idx, p.start, p.end, words, fingerprint, int(p.boilerplate_pattern))
                    for idx, (p, (words, fingerprint)) in enumerate(zip(item.paragraphs, item.stats, strict=True))
                ],
            )
            rows, keys = [], []
            for position, unit in enumerate(item.units):
                rows.append((unit_id, doc_id, unit.paragraph, unit.kind, unit.start, unit.end, unit.words,
                             unit.text_hash, encode_shingles(unit.shingles)))
                keys.extend((band, int(key), unit_id) for band, key in enumerate(item.keys[position]))
                new_units[unit_id] = unit.shingles
                unit_id += 1
            db.executemany("INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            db.executemany("INSERT OR IGNORE INTO band_keys (band, key, unit_id) VALUES (?, ?, ?)", keys)
            doc_id += 1
        matches = _match_new_units(index, new_units)
        db.executemany("INSERT OR IGNORE INTO matches (a, b, similarity, shared) VALUES (?, ?, ?, ?)", matches)
    return len(matches)


def _match_new_units(index: Index, new_units: dict[int, object]) -> list[tuple[int, int, float, int]]:
    if not new_units:
        return []
    members = index.bucket_members(list(new_units))
    pairs = candidate_pairs(members, index.config.lsh, pl.Series(list(new_units), dtype=pl.Int64))
    if pairs.is_empty():
        return []
    wanted = set(pairs["a"].to_list()) | set(pairs["b"].to_list())
    shingles = dict(new_units)
    shingles.update(index.shingles_of([u for u in wanted if u not in shingles]))
    return verify_pairs(pairs.iter_rows(), shingles.__getitem__, index.config.verify)  # type: ignore[arg-type]
