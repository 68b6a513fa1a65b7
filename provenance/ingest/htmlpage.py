"""HTML pages saved as ``.txt``: detect them, extract the article with trafilatura.

Scrapers sometimes save the raw page instead of its text. Matching markup would find
"reuse" in every navigation bar, so such files are either reduced to their article text
(with the optional ``html`` extra, which installs trafilatura, a maintained extractor) or
skipped with a warning that says how to enable extraction. Offsets of an extracted
document index the extracted text, and its encoding is recorded as ``<enc>+html``.
"""

from __future__ import annotations

import re

from provenance.errors import InputError

__all__ = ["extract_html", "looks_like_html"]

_DOCTYPE = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<(?:p|div|span|script|style|body|head|meta|a|br|li|ul|table|td|tr)\b[^>]*>", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    """A doctype/``<html>`` start, or markup dense enough that it is not prose."""
    head = text[:65536]
    if _DOCTYPE.match(head):
        return True
    tags = len(_TAG.findall(head))
    return tags >= 20 and tags * 40 > len(head.split())


def extract_html(text: str) -> str:
    """The article text of an HTML page; :class:`InputError` if it cannot be had."""
    try:
        import trafilatura  # type: ignore[import-not-found]
    except ImportError as exc:
        raise InputError(
            "HTML page, not article text (install 'passage-provenance[html]' to extract its text)"
        ) from exc
    extracted = trafilatura.extract(text, include_comments=False, include_tables=False, with_metadata=False)
    if not extracted or not extracted.strip():
        raise InputError("HTML page with no extractable article text")
    title = trafilatura.extract_metadata(text)
    heading = title.title if title is not None and getattr(title, "title", None) else None
    return f"{heading}\n\n{extracted}" if heading else extracted
