"""Which of two articles came first, as ``check`` judges it.

``scan`` orders the articles sharing a passage by publication date, dated before undated:
right for an archive, but then a new dated record holding the text of an undated article
already in the index becomes that article's origin, and ``check`` passes the copy. A
check asks whether the checked articles are new, so between a checked article and one
the index already held, the indexed one came first unless stored dates prove otherwise
(both dated, the checked one's day or instant ending before the other begins). Each
finding says what its order rests on: ``order_basis`` is ``"published"`` or ``"arrival"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from provenance.pipeline.spangraph import DAY_US

__all__ = ["Dated", "Reuse", "order_for_check"]

#: A document's stored date: ``(published_us or None, date_only)``.
Dated = tuple[int | None, bool]
StoredReuse = tuple[int, int, int, int, int, int, int, float, str, int]


@dataclass(frozen=True, slots=True)
class Reuse:
    """A stored finding (a ``reuses`` row) as ``check`` orders it; ``turned``: stored the
    other way round (the checked article was the origin by dates)."""

    cluster: int
    origin_doc: int
    origin_start: int
    origin_end: int
    copy_doc: int
    copy_start: int
    copy_end: int
    similarity: float
    kind: str
    origin_certain: bool
    order_basis: str
    turned: bool = False


def order_for_check(rows: Iterable[StoredReuse], dates: Mapping[int, Dated], checked: set[int]) -> list[Reuse]:
    """The findings whose copy is a checked article, in ``check``'s order.

    ``rows`` are stored findings touching a checked article. One whose origin is checked
    and whose copy was indexed is turned round unless the dates prove the checked article
    earlier; if several indexed articles of a cluster qualify, the earliest (dated first,
    then by date, then by arrival: document id) is the origin.
    """
    kept: list[Reuse] = []
    turned: dict[tuple[int, int], list[Reuse]] = {}
    for cluster, o_doc, o_start, o_end, c_doc, c_start, c_end, similarity, kind, certain in rows:
        if c_doc in checked:
            basis = "arrival" if o_doc not in checked and dates[o_doc][0] is None else "published"
            kept.append(Reuse(cluster, o_doc, o_start, o_end, c_doc, c_start, c_end, similarity, kind, bool(certain), basis))
        elif o_doc in checked and not _proven_earlier(dates[o_doc], dates[c_doc]):
            turned.setdefault((cluster, o_doc), []).append(
                Reuse(cluster, c_doc, c_start, c_end, o_doc, o_start, o_end, similarity, kind, False, "arrival", True))
    for group in turned.values():
        first = min((reuse.origin_doc for reuse in group), key=lambda doc: (dates[doc][0] is None, dates[doc][0] or 0, doc))
        kept.extend(reuse for reuse in group if reuse.origin_doc == first)
    return kept


def _proven_earlier(checked: Dated, indexed: Dated) -> bool:
    """Both dated, and the checked article's instant (its whole day when date-only) ends
    before the indexed one's starts: equal instants prove nothing."""
    published, date_only = checked
    other, _ = indexed
    if published is None or other is None:
        return False
    return published + (DAY_US if date_only else 1) <= other
