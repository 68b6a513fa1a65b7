"""Pipeline stages in data-flow order: load -> split -> normalise -> shingle -> minhash
-> lsh -> verify -> cluster; :mod:`provenance.pipeline.build` composes them."""
