"""LSH banding: bands/rows as datasketch derives them, band keys and candidate pairs.

Band keys are 64-bit hashes of each band's rows, computed for a whole batch of units at
once by the native core, as is the candidate search over one band's bucket members
(``native/src/candidates.rs``: a sort and a bounded window per new member).

Which members of a bucket are paired is decided by each member's *position* in the
bucket (arrival order, i.e. unit id), so an incremental scan proposes exactly the pairs
a full scan of the same sequence would, and only a bounded tail of each stored bucket
is ever read:

* the first ``max_bucket + 1`` members of a bucket pair with every member before them
  (a bucket that never grows past that is all pairs, as in datasketch);
* a later member looks only at the ``max_bucket`` members before it (its *window*). If
  the window holds an exact copy of it (equal content key) from another document, it is
  paired with the nearest such copy only; otherwise with the whole window (members of
  its own document excluded).

Boilerplate and syndicated copy make buckets of thousands of identical units; the rule
chains them (one pair per copy) instead of doing quadratic or ``max_bucket``-fold work,
and every member still joins the bucket's component.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from provenance._native import band_keys as _native_band_keys
from provenance._native import candidate_pairs as _native_candidate_pairs
from provenance._native import unique_pairs as _native_unique_pairs
from provenance._native import wanted_positions as _native_wanted_positions
from provenance.config import LSHConfig, lsh_params

__all__ = ["Members", "band_keys", "candidate_pairs", "lsh_params", "unique_pairs", "wanted_positions"]


class Members(NamedTuple):
    """Bucket members of one band, column by column (int64 arrays of one length): each
    unit's band key, id, document id and content key (equal text, equal key)."""

    key: np.ndarray
    unit: np.ndarray
    doc: np.ndarray
    content: np.ndarray


def band_keys(signatures: np.ndarray, num_bands: int, rows_per_band: int) -> np.ndarray:
    """``(units, num_bands)`` int64 keys; equal keys mean equal band rows (up to 2**-64).

    Band ``i`` hashes rows ``i * rows_per_band ...`` in order: ``key = fmix64(key * P + row)``
    starting from ``(i + 1) * P`` (all mod 2**64, ``P = 0x100000001B3``; the key's 64 bits
    read as signed). Stored indexes hold these keys: the function never changes. Computed
    by the native core (``native/src/lsh.rs``) for the whole batch.
    """
    return _native_band_keys(np.ascontiguousarray(signatures, dtype=np.uint32), num_bands, rows_per_band)


def candidate_pairs(members: Members, config: LSHConfig, first_new: int) -> np.ndarray:
    """Pairs ``(a, b)`` with ``a < b`` to verify, each involving a unit with id
    ``>= first_new``: an int64 ``(n, 2)`` array, sorted and unique.

    ``members`` holds one band's new units plus, for each bucket they fall in, the last
    ``max_bucket + 1`` stored members (fewer when the bucket is smaller): that is all the
    rule in the module docstring needs. Pairs inside one document are dropped; a unit
    listed twice counts once.

    >>> ids = np.arange(4, dtype=np.int64)
    >>> candidate_pairs(Members(np.zeros(4, np.int64), ids, ids, ids), LSHConfig(), 3).tolist()
    [[0, 3], [1, 3], [2, 3]]
    """
    # Aligned too: arrays unpickled by Dask workers may sit at any byte offset of a frame.
    keys, units, docs, contents = (np.require(column, np.int64, ["C", "A"]) for column in members)
    return _native_candidate_pairs(keys, units, docs, contents, config.max_bucket, first_new)


def unique_pairs(pairs: list[np.ndarray]) -> np.ndarray:
    """The distinct rows of ``(n, 2)`` int64 pair arrays, sorted."""
    stacked = np.concatenate([np.zeros((0, 2), np.int64), *pairs]).astype(np.int64, copy=False)
    return _native_unique_pairs(np.ascontiguousarray(stacked))


def wanted_positions(keys: np.ndarray, live: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Positions ``i`` (ascending) with ``live[i]`` whose ``keys[i]`` is in ``wanted``
    (sorted, unique): a band's stored members of the buckets a scan adds to, found in
    one pass over a key run (a bit table of the wanted keys, then an exact search)."""
    return _native_wanted_positions(np.ascontiguousarray(keys, dtype=np.int64), np.ascontiguousarray(live, dtype=bool),
                                    np.ascontiguousarray(wanted, dtype=np.int64))
