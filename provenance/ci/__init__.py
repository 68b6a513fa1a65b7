"""``provenance check`` and ``baseline``: judge articles against an index, for CI.

``check`` scans into a scratch copy of the index and orders findings as a check asks
(``order``); ``policy`` says what passes, ``settings`` merges the config file and flags,
``baseline`` reads and writes accepted fingerprints, ``locations`` turns offsets into file
lines and ``formats`` renders the verdict (text, JSON, SARIF, GitHub, JUnit). Nothing in
:mod:`provenance.report` imports from here: arrows point from ``ci`` to ``report``.
"""
