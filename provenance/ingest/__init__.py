"""Input: files and feeds on disk -> :class:`~provenance.records.Document`.

``load`` walks folders and decodes articles (``htmlpage`` extracts HTML pages, ``dates``
parses instants), ``feeds`` expands JSONL/CSV/Parquet records, ``roots`` names each
input relative to the index's root folder. Nothing here matches text: that is
:mod:`provenance.pipeline`, which starts from the documents made here.
"""
