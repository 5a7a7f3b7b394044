"""Search from the CLI, and coding every hit: suggestions from the `search` source,
accepted codings in one event, undo, no duplicate of an existing span and code; autocode
never removes a search's suggestions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qualcode.project import open_project

from .conftest import write
from .test_search import EN, FR, FR2


@pytest.fixture
def study(project_dir: Path):
    write(project_dir / "interviews" / "en1.md", EN)
    write(project_dir / "interviews" / "fr1.md", FR)
    write(project_dir / "interviews" / "fr2.md", FR2)
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    return proj


def search_codings(proj):
    df = proj.codings()
    return df[df.rule == "search"]


def test_code_as_suggestions_reviewed_from_the_search_source(study, cli):
    text = study.documents().set_index("document").loc["fr1", "text"]
    res = study.search_code("armée", "coup", unit="sentence")
    assert (res.hits, res.added, res.already) == (3, 3, 0)
    sugg = search_codings(study)
    assert set(sugg.status) == {"suggested"} and set(sugg.origin) == {"auto"}
    fr1 = sugg[sugg.document == "fr1"]
    assert [text[s:e] for s, e in zip(fr1.start, fr1.end, strict=True)] == [
        "L’armée prend le pouvoir, voilà."]
    res2 = study.search_code("armée", "coup", unit="sentence")
    assert (res2.added, res2.already) == (0, 3)  # never a second coding of a span
    # the two hits of fr2's one turn give one coding of the turn
    res3 = study.search_code("armée", "distrust", unit="turn", dry_run=True)
    assert (res3.hits, res3.added, res3.run) == (3, 2, None)
    # autocode keeps them (they are not its own)
    study.autocode()
    assert len(search_codings(study)) == 3
    # review --source search shows only these
    r = cli("--coder", "ben", "review", "--source", "search", input="a\nr\nq\n")
    assert r.exit_code == 0, r.output
    assert "search: matched" in r.output
    after = search_codings(open_project(study.root))
    assert sorted(after.status) == ["accepted", "rejected", "suggested"]
    assert set(after[after.status != "suggested"].decided_by) == {"ben"}


def test_accept_is_one_event_and_undo_takes_back_only_what_is_untouched(study, cli):
    study.code("en1", "trust", quote="I trust the EUCAP trainers, not the politics.")
    n_events = len(study.log(limit=1000))
    res = study.search_code("trust", "trust", unit="sentence", accept=True)
    assert (res.hits, res.added, res.already) == (3, 2, 1)
    log = study.log(limit=1000)
    assert len(log) == n_events + 1 and log.action.iloc[0] == "search-code"
    mine = search_codings(study)
    assert set(zip(mine.origin, mine.status, mine.coder, strict=True)) == {
        ("manual", "accepted", "ana")}
    r = cli("--coder", "ben", "search", "--undo", str(res.run))
    assert r.exit_code == 1 and "only they can undo it" in r.output
    r = cli("--coder", "ana", "search", "--undo", str(res.run))
    assert r.exit_code == 0, r.output
    assert "removed 2 coding(s)" in r.output
    assert search_codings(study).empty
    assert len(study.codings(codes=["trust"])) == 1  # the hand-made coding stays
    r = cli("--coder", "ana", "search", "--undo", "99999")
    assert r.exit_code == 1 and "no search run #99999" in r.output


def test_cli_search_formats_counts_and_messages(study, cli):
    r = cli("search", "armée", "-f", "json", "--context", "2")
    assert r.exit_code == 0
    rows = json.loads(r.stdout)
    assert [(x["document"], x["left"], x["hit"]) for x in rows] == [
        ("fr1", "confiance. L’", "armée"),
        ("fr2", "c'est l'", "armée"), ("fr2", "nationale. Une", "armée")]
    r = cli("search", "armée", "--by", "origin", "-f", "csv")
    assert r.stdout.splitlines()[0].startswith("origin,hits,")
    r = cli("search", "zzzz")
    assert r.exit_code == 0 and "no match for 'zzzz' (lemma, respondent speech)" in r.output
    r = cli("search", "trust", "--code-as", "nope")
    assert r.exit_code == 1 and "unknown code 'nope' for --code-as" in r.output
    r = cli("search", "trust", "--code-as", "trust", "--accept")
    assert r.exit_code == 1 and "coder" in r.output.lower()
    r = cli("search", "trust", "--accept")
    assert r.exit_code == 1 and "--code-as" in r.output
    r = cli("search", "")
    assert r.exit_code == 1 and r.output.startswith("Error: empty query")
    r = cli("search", "--near", "army,politics", "--within", "8")
    assert r.exit_code == 0 and "army should stay far away from politics" in r.output
    r = cli("search", "trust", "--code-as", "trust", "--dry-run")
    assert "would add 3 suggestions" in r.output and search_codings(study).empty


def test_cli_words(study, cli, tmp_path: Path):
    r = cli("words", "-f", "csv", "--top", "3")
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == "lemma,count,per_10k,documents"
    r = cli("words", "--by", "origin", "--min-count", "2", "--plot", str(tmp_path / "k.png"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "k.png").stat().st_size > 1000
    assert "Words that distinguish origin groups" in r.output
    r = cli("words", "--by", "nope")
    assert r.exit_code == 1 and "unknown attribute 'nope'" in r.output
