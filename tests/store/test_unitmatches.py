"""Each unit's blob of matches holds exactly the stored matches of that unit, through
incremental scans, changed and deleted articles, and a migration's rebuild (the walk
that reads them is held to the match table in test_subgraph.py)."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import numpy as np

from provenance import Index, ScanOptions, scan
from provenance.store import keyruns, unitmatches
from provenance.store.findings import refresh
from tests.conftest import prose

SHARED = [prose(300 + i, sentences=2) for i in range(3)]


def _write(write_article, name: str, day: int, shared: list[str], seed: int) -> None:
    write_article(f"{name}.txt", f"https://{name}.example/2021/01/{day:02d}/{name}", f"2021-01-{day:02d} 09:00:00",
                  name, [prose(seed), *shared, prose(seed + 50)])


def _blob_rows(db) -> set[tuple[int, ...]]:
    """Every blob row filed under each unit, rows of deleted units left out."""
    dead = keyruns.dead_ranges(db)
    found: set[tuple[int, ...]] = set()
    for unit, blob in db.execute("SELECT unit, rows FROM unit_matches"):
        rows = np.frombuffer(blob, dtype="<i8").reshape(-1, len(unitmatches.COLUMNS))
        assert np.all((rows[:, 0] == unit) | (rows[:, 3] == unit))  # filed under one of its units
        live = keyruns.alive(rows[:, 0], dead) & keyruns.alive(rows[:, 3], dead)
        found.update((unit, *row) for row in rows[live].tolist())
    return found


def _table_rows(db) -> set[tuple[int, ...]]:
    """Each stored match under each of its two units."""
    rows = db.execute(f"SELECT {', '.join(unitmatches.COLUMNS)} FROM matches").fetchall()
    return {(row[0], *row) for row in rows} | {(row[3], *row) for row in rows}


def _in_key_order(db) -> list[list[int]]:
    """The stored matches as :func:`unitmatches.every_match` gives them."""
    return [list(row) for row in db.execute(
        f"SELECT {', '.join(unitmatches.COLUMNS)} FROM matches ORDER BY a, b, a_start, b_start")]


def _count(db) -> int:
    return sum(len(blob) for (blob,) in db.execute("SELECT rows FROM unit_matches")) // (8 * len(unitmatches.COLUMNS))


def test_blobs_follow_the_matches_through_scans_changes_and_deletions(write_article, tmp_path):
    path = tmp_path / "ix.sqlite"
    options = ScanOptions(workers=1, batch_size=3)
    for i in range(4):
        _write(write_article, f"a{i}", 4 + i, SHARED[: 1 + i % 3], i)
    with Index.open(path) as index:
        scan([tmp_path / "corpus"], index, options)
        db = index.connection
        assert db.execute("SELECT COUNT(*) FROM matches").fetchone()[0] > 0
        assert _blob_rows(db) == _table_rows(db)
        first = _count(db)
    for i in range(4, 7):  # later articles match stored units: their blobs are extended
        _write(write_article, f"a{i}", 4 + i, SHARED, i)
    _write(write_article, "a1", 5, [SHARED[2]], 77)  # changed: its units are replaced
    with Index.open(path) as index:
        scan([tmp_path / "corpus"], index, options)
        db = index.connection
        assert _blob_rows(db) == _table_rows(db)
        assert _count(db) > first
        gone = [doc.id for source, doc in index.stored_documents().items() if source.endswith("a2.txt")]
        index.remove_documents(gone)
        refresh(index)
        assert _blob_rows(db) == _table_rows(db)  # the deleted units' blobs went by cascade
        assert unitmatches.every_match(db).tolist() == _in_key_order(db)  # partners' rows of a2 left out
        _write(write_article, "a9", 20, SHARED, 9)
    with Index.open(path) as index:
        scan([tmp_path / "corpus"], index, options)
        db = index.connection
        assert _blob_rows(db) == _table_rows(db)
        # The blobs the last scan extended (a9's partners') dropped their deleted rows.
        new = {doc.id for source, doc in index.stored_documents().items() if source.endswith("a9.txt")}
        partners = {a for a, b in db.execute("SELECT m.a, m.b FROM matches AS m JOIN units AS u ON u.id = m.b "
                                              f"WHERE u.doc_id IN ({', '.join(map(str, new))})")}
        dead = keyruns.dead_ranges(db)
        assert partners and len(dead[0])
        for (blob,) in db.execute(f"SELECT rows FROM unit_matches WHERE unit IN ({', '.join(map(str, partners))})"):
            rows = np.frombuffer(blob, dtype="<i8").reshape(-1, len(unitmatches.COLUMNS))
            assert keyruns.alive(rows[:, [0, 3]], dead).all()
        extended = _blob_rows(db)
        assert unitmatches.every_match(db).tolist() == _in_key_order(db)
        with index.transaction() as tx:
            unitmatches.build(tx)
        assert _blob_rows(db) == extended
        assert _count(db) == 2 * db.execute("SELECT COUNT(*) FROM matches").fetchone()[0]



def test_a_version_9_index_gets_its_blobs_from_the_matches(seeds_dir, later_seeds, tmp_path):
    from provenance.report.render import render_report
    from provenance.store.schema import SCHEMA_VERSION

    path = tmp_path / "index.sqlite"
    with Index.open(path) as index:
        scan([seeds_dir, later_seeds], index, ScanOptions(workers=1))
        before, blobs = render_report(index, "json"), _blob_rows(index.connection)
    assert blobs
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("DROP TABLE unit_matches")
        db.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    with Index.open(path) as index:
        assert index.meta("schema_version") == str(SCHEMA_VERSION)
        assert _blob_rows(index.connection) == blobs == _table_rows(index.connection)
        assert render_report(index, "json") == before


def test_a_full_refresh_reads_from_the_blobs_what_the_match_table_holds(run_cli, generated_corpus_150, tmp_path):
    """Boilerplate paragraphs' matches and deleted articles' left out alike."""
    from provenance.store.findings import _read_matches, _stored_matches

    path = tmp_path / "ix.sqlite"
    assert run_cli("scan", str(generated_corpus_150), "--index", str(path)).code == 0
    with Index.open(path) as index:
        db = index.connection
        boilerplate = db.execute("""SELECT COUNT(DISTINCT m.rowid) FROM (SELECT a, b, ROW_NUMBER() OVER () AS rowid FROM matches) AS m
                                    JOIN units AS u ON u.id IN (m.a, m.b)
                                    JOIN paragraphs AS p ON p.doc_id = u.doc_id AND p.idx = u.paragraph
                                    WHERE p.boilerplate != 0""").fetchone()[0]
        assert boilerplate > 0  # the corpus has matches the findings leave out
        index.remove_documents(sorted(index.stored_documents()[source].id for source in
                                      sorted(index.stored_documents())[::7]))
        assert len(keyruns.dead_ranges(db)[0])
        stored = _stored_matches(db)
        assert stored.tolist() == _read_matches(db).tolist()
        assert len(stored)

