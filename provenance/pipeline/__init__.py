"""Pipeline stages in data-flow order, from the documents :mod:`provenance.ingest` makes:
split -> normalise -> shingle -> minhash -> lsh -> verify -> cluster;
:mod:`provenance.pipeline.build` composes them."""
