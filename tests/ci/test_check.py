"""``provenance check`` and ``baseline``: exit codes, read-only index, policy, config files."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from provenance import Index, ScanOptions, scan
from provenance.ci.baseline import read_baseline
from provenance.ci.check import CheckOptions, run_check
from provenance.ci.policy import CheckPolicy, finding_fingerprint
from provenance.ci.settings import resolve_settings
from provenance.config import AlignConfig, Config, LSHConfig
from provenance.errors import ConfigError
from tests.conftest import prose

SHARED = prose(1, sentences=3)
WIRE = prose(2, sentences=3)


def summary(checked: int, indexed: int, failing: str = "no new reuse", allow: int = 0, base: int = 0, share: int = 0) -> str:
    return (
        f"{checked} article{'s' if checked != 1 else ''} checked against {indexed} indexed document"
        f"{'s' if indexed != 1 else ''}: {failing} ({allow} suppressed by the allowlist, {base} by the baseline, "
        f"{share} within --max-reused-share)."
    )


@pytest.fixture
def newsroom(tmp_path, write_article, run_cli):
    return build_newsroom(tmp_path, write_article, run_cli)


def build_newsroom(tmp_path, write_article, run_cli) -> Path:
    """An index of two earlier articles (one a wire story) and a folder of new articles."""
    write_article("a.txt", "https://one.example/2020/01/01/a/", "2020-01-01 10:00:00", "A", [prose(10), SHARED, prose(11)])
    write_article("wire.txt", "https://apnews.com/2020/01/01/w/", "2020-01-01 08:00:00", "Wire", [prose(12), WIRE])
    assert run_cli("scan", "corpus").code == 0
    new = tmp_path / "new"
    write_article("copy.txt", "https://two.example/2020/01/02/b/", "2020-01-02 10:00:00", "B", [prose(20), SHARED, prose(21)], root=new)
    write_article("clean.txt", "https://four.example/x", "2020-01-04 10:00:00", "D", [prose(40), prose(41)], root=new)
    return tmp_path


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_copy_fails_with_exit_1_and_its_location(newsroom, run_cli):
    result = run_cli("check", "new")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == (
        "new/copy.txt:8:1: verbatim copy of a.txt (https://one.example/2020/01/01/a/), published 2020-01-01T10:00:00Z; "
        "similarity 1.00"
    )
    assert lines[-1] == summary(2, 2, "1 finding in 1 article fails the check")


def test_clean_articles_pass_with_exit_0(newsroom, run_cli):
    result = run_cli("check", "new/clean.txt")
    assert (result.code, result.out) == (0, summary(1, 2) + "\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "missing"), "error: missing: no such file or directory"),
        (("check",), "Missing argument 'PATHS...'"),
        (("check", "new", "--format", "yaml"), "Invalid value for '--format'"),
        (("check", "new", "--max-reused-share", "2"), "Invalid value for '--max-reused-share'"),
        (("check", "new", "--baseline", "nope.json"),
         "error: nope.json: no such baseline file; write one with 'provenance baseline PATH... -o nope.json'"),
        (("check", "new", "--index", "bogus.sqlite"), "error: bogus.sqlite: not a passage-provenance index"),
        (("check", "new", "--default-timezone", "Mars/Base"), "error: unknown time zone 'Mars/Base'"),
    ],
)
def test_usage_config_and_input_errors_exit_2(newsroom, run_cli, args, message):
    (newsroom / "bogus.sqlite").write_text("not sqlite")
    result = run_cli(*args)
    assert result.code == 2, result.err
    assert message in result.err and "Traceback" not in result.err


def test_nothing_readable_to_check_is_an_input_error(newsroom, run_cli):
    (newsroom / "empty").mkdir()
    (newsroom / "empty" / "blank.txt").write_text("")
    result = run_cli("check", "empty")
    assert result.code == 2
    assert result.err.splitlines() == [
        "warning: blank.txt: empty file",
        "error: nothing to check: all 1 input(s) were skipped (see the warnings above)",
    ]


def test_the_index_is_read_only_unless_update_is_given(newsroom, run_cli):
    index = newsroom / "provenance.sqlite"
    before, files = _hash(index), sorted(p.name for p in newsroom.iterdir())
    assert run_cli("check", "new").code == 1
    assert _hash(index) == before and sorted(p.name for p in newsroom.iterdir()) == files  # no -wal/-shm either
    assert run_cli("report", "--format", "json").json()["summary"]["documents"] == 2
    assert run_cli("check", "new", "--update").code == 1
    assert run_cli("report", "--format", "json").json()["summary"]["documents"] == 4
    assert run_cli("check", "new").out.splitlines()[-1] == summary(2, 4, "1 finding in 1 article fails the check")


def test_without_an_index_the_articles_are_compared_with_each_other(newsroom, run_cli):
    result = run_cli("check", "new", "corpus/a.txt", "--index", "absent.sqlite")
    assert result.code == 1
    assert "note: no index at absent.sqlite; the articles were compared with each other only" in result.err
    assert result.out.splitlines()[-1] == summary(3, 0, "1 finding in 1 article fails the check")
    assert not (newsroom / "absent.sqlite").exists()


def test_checked_articles_copying_each_other_are_found(newsroom, run_cli, write_article):
    write_article("later.txt", "https://five.example/x", "2020-01-09 10:00:00", "E", [prose(40), prose(50)], root=newsroom / "new")
    result = run_cli("check", "new", "--index", "absent.sqlite")
    assert result.out.startswith("new/later.txt:6:1: verbatim copy of clean.txt (https://four.example/x)")


def test_min_similarity_drops_weaker_findings(newsroom, run_cli, write_article):
    edited = " ".join(SHARED.split()[:-6] + ["with", "a", "rather", "different", "ending", "now."])
    write_article("edit.txt", "https://six.example/x", "2020-01-05 10:00:00", "F", [prose(60), edited], root=newsroom / "edits")
    assert "edited copy of a.txt" in run_cli("check", "edits").out
    result = run_cli("check", "edits", "--min-similarity", "0.95")
    assert (result.code, result.out) == (0, summary(1, 2) + "\n")


def test_max_reused_share_lets_articles_under_it_through(newsroom, run_cli):
    result = run_cli("check", "new/copy.txt", "--max-reused-share", "0.5")
    assert (result.code, result.out) == (0, summary(1, 2, share=1) + "\n")
    assert run_cli("check", "new/copy.txt", "--max-reused-share", "0.2").code == 1


@pytest.mark.parametrize("pattern", ["one.example", "*.example", "https://one.example/*", "a.txt", "corpus/*"])
def test_allowlisted_origins_are_suppressed_and_counted(newsroom, run_cli, pattern):
    result = run_cli("check", "new", "--allow-source", pattern)
    assert (result.code, result.out) == (0, summary(2, 2, allow=1) + "\n")


def test_allowlist_host_globs_cover_subdomains_and_www():
    policy = CheckPolicy(allow_sources=("*.reuters.com", "apnews.com"))
    assert policy.allowed_by("https://www.reuters.com/x", []) == "*.reuters.com"
    assert policy.allowed_by("https://reuters.com/x", []) == "*.reuters.com"
    assert policy.allowed_by("https://www.apnews.com/x", []) == "apnews.com"
    assert policy.allowed_by("https://apnews.com.evil.example/x", []) is None
    assert CheckPolicy(allow_sources=("wire/*.jsonl",)).allowed_by(None, ["wire/ap.jsonl#12"]) == "wire/*.jsonl"


def test_baseline_round_trip_then_a_new_copy_fails(newsroom, run_cli, write_article):
    written = run_cli("baseline", "new", "-o", "provenance-baseline.json")
    assert written.code == 0
    assert written.out.startswith("Wrote 1 fingerprint to provenance-baseline.json (0 suppressed by the allowlist left out).")
    data = json.loads((newsroom / "provenance-baseline.json").read_text())
    assert [entry["origin"] for entry in data["findings"]] == ["https://one.example/2020/01/01/a/"]
    passed = run_cli("check", "new", "--baseline", "provenance-baseline.json")
    assert (passed.code, passed.out) == (0, summary(2, 2, base=1) + "\n")
    write_article("copy2.txt", "https://seven.example/x", "2020-01-07 10:00:00", "G", [SHARED, prose(70)], root=newsroom / "new")
    failed = run_cli("check", "new", "--baseline", "provenance-baseline.json")
    assert failed.code == 1
    assert failed.out.splitlines()[-1] == summary(3, 2, "1 finding in 1 article fails the check", base=1)
    assert failed.out.startswith("new/copy2.txt:6:1:")


def test_baseline_fingerprints_ignore_position_and_formatting():
    assert finding_fingerprint("The  Quick\nbrown fox", "o", "c") == finding_fingerprint("the quick brown fox.", "o", "c")
    assert finding_fingerprint("the quick brown fox", "o", "c") != finding_fingerprint("the quick brown fox", "o2", "c")


def test_baseline_survives_lines_added_above_the_copy(newsroom, run_cli):
    run_cli("baseline", "new")
    copy = newsroom / "new" / "copy.txt"
    header, _, body = copy.read_text().partition(" \n")
    copy.write_text(f"{header} \n{prose(90)}\n\n{body}")
    result = run_cli("check", "new", "--baseline", "provenance-baseline.json")
    assert (result.code, result.out) == (0, summary(2, 2, base=1) + "\n")


def test_a_malformed_baseline_is_a_config_error(tmp_path):
    (tmp_path / "b.json").write_text('{"findings": []}')
    with pytest.raises(ConfigError, match="not a provenance baseline"):
        read_baseline(tmp_path / "b.json")


def test_config_file_defaults_and_flags_win(newsroom, run_cli):
    (newsroom / "provenance.toml").write_text('allow-source = ["one.example"]\nmax_reused_share = 0.0\n')
    assert run_cli("check", "new").out == summary(2, 2, allow=1) + "\n"
    result = run_cli("check", "new", "--allow-source", "elsewhere.example")
    assert result.code == 1 and result.out.splitlines()[-1] == summary(2, 2, "1 finding in 1 article fails the check")


def test_pyproject_table_is_read_when_there_is_no_provenance_toml(newsroom, run_cli):
    (newsroom / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.passage-provenance]\nmax-reused-share = 0.9\n')
    assert run_cli("check", "new").code == 0
    assert run_cli("check", "new", "--max-reused-share", "0").code == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("colour = 'red'\n", "error: provenance.toml: unknown key 'colour'; known keys: index, format, baseline,"),
        ("max-reused-share = 'lots'\n", "error: provenance.toml: max-reused-share must be a number between 0 and 1, got 'lots'"),
        ("format = 'pdf'\n", "error: provenance.toml: format must be one of text, json, sarif, github, junit, got 'pdf'"),
        ("allow-source = [1]\n", "error: provenance.toml: allow-source must be a pattern or a list of patterns, got [1]"),
        ("min-similarity = \n", "error: provenance.toml: not valid TOML"),
    ],
)
def test_bad_config_files_exit_2_naming_the_file_and_key(newsroom, run_cli, content, message):
    (newsroom / "provenance.toml").write_text(content)
    result = run_cli("check", "new")
    assert result.code == 2 and message in result.err


def test_unknown_key_in_pyproject_names_the_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.passage-provenance]\nallow = ['x']\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: unknown key 'allow' in \[tool.passage-provenance\]"):
        resolve_settings({}, tmp_path)


def test_config_can_name_the_index_and_format(newsroom, run_cli):
    (newsroom / "corpus.sqlite").write_bytes((newsroom / "provenance.sqlite").read_bytes())
    (newsroom / "provenance.toml").write_text('index = "corpus.sqlite"\nformat = "json"\n')
    (newsroom / "provenance.sqlite").unlink()
    data = run_cli("check", "new").json()
    assert data["summary"]["indexed"] == 2 and data["summary"]["failing"] == 1


def test_feed_with_a_copied_article_fails_at_the_record_line(newsroom, run_cli):
    feeds = newsroom / "feeds"
    feeds.mkdir()
    records = [{"text": prose(80), "published": "2020-02-01T09:00:00Z"}, {"text": f"{prose(81)}\n\n{SHARED}", "published": "2020-02-01T10:00:00Z"}]
    (feeds / "today.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    result = run_cli("check", "feeds", "--format", "github")
    assert result.code == 1
    assert result.out.startswith("::warning file=feeds/today.jsonl,line=2,endLine=2,title=Reused text from https%3A//one.example/2020/01/01/a/::")
    run_cli("baseline", "feeds")
    assert run_cli("check", "feeds", "--baseline", "provenance-baseline.json").code == 0


def test_library_call_returns_statuses(newsroom):
    policy = CheckPolicy(allow_sources=("apnews.com",))
    result = run_check([newsroom / "new"], newsroom / "provenance.sqlite", policy, CheckOptions(workdir=newsroom))
    assert [(f.location.file, f.status, f.kind) for f in result.findings] == [("new/copy.txt", "new", "verbatim")]
    assert result.exit_code == 1 and result.checked == 2 and result.indexed == 2


def test_a_dated_copy_of_an_undated_indexed_article_fails_by_arrival(newsroom, run_cli, write_article):
    """Issue 11, item 6: text already in the index came first unless a stored date says
    otherwise, so a dated record copying an undated archive article is a copy."""
    archived = [prose(60), prose(61), prose(62)]
    write_article("archive/old.txt", None, None, "Old", archived)
    assert run_cli("scan", "corpus").code == 0
    feeds = newsroom / "feeds"
    feeds.mkdir()
    (feeds / "today.jsonl").write_text(json.dumps({"text": "\n\n".join(archived), "published": "2020-02-01T09:00:00Z"}) + "\n")
    result = run_cli("check", "feeds", "--format", "json")
    assert result.code == 1, result.out
    data = result.json()
    assert [(r["origin"]["path"], r["copy"]["path"], r["order_basis"], r["origin_certain"]) for r in data["reuses"]] == [
        ("archive/old.txt", "today.jsonl#1", "arrival", False)
    ] * len(archived)  # one finding per paragraph
    assert {d["path"]: d["reused_passages"] for d in data["documents"]} == {"today.jsonl#1": 3, "archive/old.txt": 0}
    text = run_cli("check", "feeds")
    assert "copy of archive/old.txt, published undated; similarity 1.00; origin uncertain (it was in the index first)" in text.out
    dated = run_cli("check", "new", "--format", "json").json()["reuses"]
    assert [r["order_basis"] for r in dated] == ["published"]


def test_an_indexed_article_dated_later_than_the_checked_one_is_not_its_origin(newsroom, run_cli):
    feeds = newsroom / "feeds"
    feeds.mkdir()
    (feeds / "early.jsonl").write_text(json.dumps({"text": f"{prose(90)}\n\n{SHARED}", "published": "2019-12-01T09:00:00Z"}) + "\n")
    assert run_cli("check", "feeds").code == 0  # a.txt (2020-01-01) copied it, not the other way round


def test_check_copies_nothing_and_judges_as_a_check_on_a_copy(newsroom, run_cli, write_article, monkeypatch):
    """The sandbox (writes rolled back, nothing copied) and the scratch copy it replaces
    give the same answer, byte for byte, and leave the index as it was."""
    from provenance import workspace
    from provenance.store.index import Index

    write_article("wire-copy.txt", "https://three.example/x", "2020-01-03 10:00:00", "C", [WIRE, prose(30)], root=newsroom / "new")
    index = newsroom / "provenance.sqlite"
    before, files = _hash(index), sorted(p.name for p in newsroom.iterdir())

    def no_copy(*args: object) -> None:
        raise AssertionError("the index was copied")

    monkeypatch.setattr(workspace, "copy_index", no_copy)
    in_place = run_cli("check", "new", "--format", "json")
    assert in_place.code == 1 and _hash(index) == before and sorted(p.name for p in newsroom.iterdir()) == files
    monkeypatch.undo()
    monkeypatch.chdir(newsroom)
    monkeypatch.setattr(Index, "sandbox", classmethod(lambda cls, path: None))
    copied = run_cli("check", "new", "--format", "json")
    assert (copied.code, copied.out) == (in_place.code, in_place.out)
    assert len(in_place.json()["reuses"]) == 2


def test_a_check_answers_as_the_same_check_with_update(tmp_path, write_article, run_cli):
    """A check's sandbox skips what only later scans read (the clusters' stored state),
    yet answers as a check that adds the articles for good: a grown cluster, a new one
    between checked articles, and an earlier-dated copy that takes over as origin."""
    stock = prose(3, sentences=3)
    for day, site in enumerate(("one", "two", "three"), start=1):
        write_article(f"{site}.txt", f"https://{site}.example/2020/01/0{day}/s/", f"2020-01-0{day} 10:00:00", site,
                      [prose(10 + day), stock, prose(20 + day)])
    assert run_cli("scan", "corpus").code == 0
    new = tmp_path / "new"
    pair = prose(4, sentences=3)
    write_article("grown.txt", "https://four.example/x", "2020-01-05 10:00:00", "G", [prose(31), stock], root=new)
    write_article("early.txt", "https://five.example/y", "2019-12-31 10:00:00", "E", [stock, prose(32)], root=new)
    write_article("p1.txt", "https://six.example/z", "2020-01-06 10:00:00", "P1", [prose(33), pair], root=new)
    write_article("p2.txt", "https://seven.example/w", "2020-01-07 10:00:00", "P2", [pair, prose(34)], root=new)
    checked = run_cli("check", "new", "--format", "json")
    updated = run_cli("check", "new", "--format", "json", "--update")
    assert checked.code == updated.code == 1

    def answers(result) -> list[dict]:  # indexed articles are named from the index's root
        reuses = result.json()["reuses"]
        for reuse in reuses:
            for side in ("origin", "copy"):
                reuse[side]["path"] = Path(reuse[side]["path"]).name
        return reuses

    assert answers(checked) == answers(updated)
    assert {(r["origin"]["path"], r["copy"]["path"]) for r in answers(checked)} == {("early.txt", "grown.txt"),
                                                                                   ("p1.txt", "p2.txt")}


#: Two lines reprinted across many sites and days; some articles carry both, so a checked
#: article may grow one line's cluster, join the two, or (dated first) become an origin.
LINE_ONE, LINE_TWO = prose(70, sentences=4), prose(71, sentences=4)
REPRINTS = [(day, lines) for day, lines in enumerate(((1,), (1,), (2,), (1, 2), (1,), (2,), (1,), (1,), (2,), (1,),
                                                     (1, 2), (1,), (2,), (1,)), start=2)]
#: Narrow buckets and anchor groups: a new reprint pairs with a line's latest holders
#: only (as a line reprinted thousands of times does), so the cluster it grows holds
#: units no new match touches.
NARROW = Config(lsh=LSHConfig(max_bucket=2), align=AlignConfig(max_anchor_units=2))


def _reprint(root: Path, number: int, day: int, lines: tuple[int, ...], write_article) -> None:
    body = [prose(400 + number)] + [(LINE_ONE, LINE_TWO)[line - 1] for line in lines] + [prose(600 + number)]
    write_article(f"site{number}.txt", f"https://site{number}.example/2020/01/{day:02d}/r/", f"2020-01-{day:02d} 10:00:00",
                  f"R{number}", body, root=root)


def _answers(result) -> list[tuple]:
    """A check's findings with each side named by its file name (a check names files as
    given, ``--update`` from the index's root) and without article ids."""
    def side(found) -> tuple:
        return (Path(found.path).name, found.url, found.title, found.published, found.start, found.end)

    return [(side(f.copy), side(f.origin), f.similarity, f.kind, f.origin_certain, f.cluster, f.text, f.fingerprint,
             f.status) for f in result.findings]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(checked={13}, early=False)  # grows the first line's cluster
@example(checked={10, 13}, early=False)  # one of them carries both lines
@example(checked={11}, early=True)  # dated before every reprint: the new origin
@given(checked=st.sets(st.integers(0, len(REPRINTS) - 1), min_size=1, max_size=5), early=st.booleans())
def test_a_check_answers_as_the_same_check_with_update_whatever_it_checks(write_article, tmp_path_factory, checked, early):
    """A check's throwaway refresh reads a stored cluster the checked articles only grew
    as its spans, not its matches; it answers as the full refresh of ``--update`` does,
    whichever reprints are checked (one dated before all, with ``early``)."""
    work = tmp_path_factory.mktemp("check")
    for number, (day, lines) in enumerate(REPRINTS):
        root = work / ("new" if number in checked else "indexed")
        _reprint(root, number, 1 if early and number == min(checked) else day, lines, write_article)
    first, second = work / "first.sqlite", work / "second.sqlite"
    with Index.open(first, NARROW) as index:
        scan([work / "indexed"], index, ScanOptions(workers=1, batch_size=4))
    shutil.copyfile(first, second)
    in_place = run_check([work / "new"], first)
    updated = run_check([work / "new"], second, options=CheckOptions(update=True))
    assert _answers(in_place) == _answers(updated)
    shutil.rmtree(work)


def test_a_check_reads_the_matches_of_what_it_checks_not_of_a_whole_reprinted_line(write_article, tmp_path, monkeypatch):
    from provenance.store import subgraph

    for number, (day, lines) in enumerate(REPRINTS[:-1]):
        _reprint(tmp_path / "indexed", number, day, lines, write_article)
    day, lines = REPRINTS[-1]
    _reprint(tmp_path / "new", len(REPRINTS) - 1, day, lines, write_article)
    with Index.open(tmp_path / "ix.sqlite", NARROW) as index:
        scan([tmp_path / "indexed"], index, ScanOptions(workers=1, batch_size=4))
        units = {row[0] for row in index.connection.execute(  # the first line's reprints
            "SELECT unit FROM cluster_spans WHERE cluster_doc = (SELECT id FROM documents WHERE path LIKE '%site0.txt')")}
    loaded: set[int] = set()
    load = subgraph.Subgraph._load

    def recording(self, wanted: set[int]):
        loaded.update(wanted)
        return load(self, wanted)

    monkeypatch.setattr(subgraph.Subgraph, "_load", recording)
    result = run_check([tmp_path / "new"], tmp_path / "ix.sqlite")
    assert {Path(f.origin.path).name for f in result.findings} == {"site0.txt"}  # the line's first printing
    assert len(units) == 9 and units - loaded  # reprints no new match reached: read as spans only
