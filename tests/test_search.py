"""Search: lemma / exact / regex / near queries on real spaCy pipelines, EN and FR
(accents, elisions, French spacing), filters, keyword in context, counts, the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import QualcodeError, UsageError
from qualcode.project import open_project
from qualcode.search.query import rule_hits

from .conftest import write

EN = """
---
id: en1
respondent: R1
origin: Western
---
Interviewer: Do you trust them? Is sovereignty an issue?

R1: Partners trusted us. Then nobody did. The Trust was gone.

Sovereignty matters to them, and the army should stay far away from politics.

Interviewer: And trust now?

R1: I trust the EUCAP trainers, not the politics.
"""

FR = """
---
id: fr1
respondent: R2
language: fr
origin: Nigérien
interviewer: [Intervieweur]
---
Intervieweur : Parlons de l’armée et de la sécurité ?

R2 : Nous n’avions plus confiance. L’armée prend le pouvoir, voilà.

Les armées du Sahel parlent de sécurité ? Oui : la sécurité d’abord. Les militaires \
prendront le pouvoir encore.
"""

FR2 = """
---
id: fr2
respondent: R3
language: fr
origin: Nigérien
---
R3 : La souveraineté, c'est l'armée nationale. Une armée souveraine.
"""


@pytest.fixture
def study(project_dir: Path):
    write(project_dir / "interviews" / "en1.md", EN)
    write(project_dir / "interviews" / "fr1.md", FR)
    write(project_dir / "interviews" / "fr2.md", FR2)
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    return proj


def hits(proj, query, **kw):
    opts = {k: kw.pop(k) for k in ("exact", "regex", "near", "within") if k in kw}
    df = proj.search(query, **opts, **kw)
    return [(r.document, r.hit) for r in df.itertuples()]


def test_lemma_phrase_case_insensitive_respondent_only_with_context(study):
    df = study.search("trust", context=3)
    assert [(r.document, r.speaker, r.left, r.hit, r.right) for r in df.itertuples()] == [
        ("en1", "R1", "Partners", "trusted", "us. Then nobody"),
        ("en1", "R1", "nobody did. The", "Trust", "was gone. Sovereignty"),
        ("en1", "R1", "I", "trust", "the EUCAP trainers,"),
    ]
    text = study.documents().set_index("document").loc["en1", "text"]
    assert [text[r.start:r.end] for r in df.itertuples()] == ["trusted", "Trust", "trust"]
    # the interviewer's words only when asked
    assert hits(study, "trust", speaker="interviewer") == [("en1", "trust"), ("en1", "trust")]
    assert len(study.search("trust", speaker="all")) == 5


def test_exact_matches_the_words_as_written(study):
    assert hits(study, "trusted", exact=True) == [("en1", "trusted")]
    assert hits(study, "TRUST", exact=True) == [("en1", "Trust"), ("en1", "trust")]


def test_french_elision_accents_plural_and_spacing(study):
    # "l'armée" is l' + armée for the French tokenizer, with the typographic apostrophe
    assert hits(study, "armée") == [("fr1", "armée"), ("fr2", "armée"), ("fr2", "armée")]
    assert hits(study, "l'armée") == [("fr1", "L’armée"), ("fr2", "l'armée")]
    assert hits(study, "l'armée", exact=True) == [("fr1", "L’armée"), ("fr2", "l'armée")]
    assert hits(study, "le armée") == [("fr1", "L’armée"), ("fr2", "l'armée")]
    assert hits(study, "sécurité", context=2) == [("fr1", "sécurité"), ("fr1", "sécurité")]
    df = study.search("sécurité", context=2)
    # French spacing: the question mark after a space is the next word of the context
    assert list(df.right) == ["? Oui", "d’abord. Les"]
    # lemmas keep accents, as the codebook's rules do
    assert study.search("securite").empty
    # the interviewer's "l’armée" is not respondent speech
    assert "Intervieweur" not in set(study.search("armée", speaker="respondent").speaker)


def test_fast_search_finds_what_the_codebook_matcher_finds(study):
    """A query is a codebook rule: the token-index search and the auto-coder's matcher
    (spaCy PhraseMatcher on lemmas) find the same spans, in both languages."""
    from qualcode import datasets
    from qualcode.codebook import Rule

    turns = datasets.turns(study.workspace)
    resp = turns[turns.role == "respondent"]
    texts = {d: t for d, t in study.documents()[["document", "text"]].itertuples(
        index=False)}
    langs = dict(study.documents()[["document", "language"]].itertuples(index=False))
    for query, rule in [("trust", Rule(phrase="trust")),
                        ("far away", Rule(phrase="far away")),
                        ("armée", Rule(phrase="armée")),
                        ("l'armée", Rule(phrase="l'armée")),
                        ("prendre le pouvoir", Rule(phrase="prendre le pouvoir")),
                        (None, Rule(near=["army", "politics"], within=8)),
                        (None, Rule(near=["armée", "pouvoir"], within=3))]:
        near = rule.near
        df = study.search(query, near=near, within=rule.within)
        got = sorted((r.document, r.start, r.end) for r in df.itertuples())
        want = []
        for lang in ("en", "fr"):
            items = [(d, int(s), texts[d][s:e]) for d, s, e in
                     resp[["document", "start", "end"]].itertuples(index=False)
                     if langs[d] == lang]
            want += rule_hits(rule, lang, items)
        assert got == sorted(want), query or near
        assert got, query or near  # each finds something
    # the token pattern of the README works as a query too (the matcher itself)
    df = study.search("{pattern: [{LEMMA: prendre}, {LOWER: le}, {LOWER: pouvoir}]}")
    assert list(df.hit) == ["prend le pouvoir", "prendront le pouvoir"]


def test_near_within_one_sentence(study):
    assert hits(study, None, near=["army", "politics"], within=8) == [
        ("en1", "army should stay far away from politics")]
    assert hits(study, None, near=["army", "politics"], within=3) == []
    assert hits(study, None, near=["trust", "politics"], within=8) == [
        ("en1", "trust the EUCAP trainers, not the politics")]


def test_regex_over_the_text(study):
    assert hits(study, r"souverain\w*", regex=True) == [("fr2", "souveraineté"),
                                                         ("fr2", "souveraine")]
    # the typographic apostrophe reads as '
    assert hits(study, r"l'arm\w+", regex=True) == [("fr1", "L’armée"), ("fr2", "l'armée")]


@pytest.mark.parametrize("query, opts, message", [
    ("", {}, "empty query"),
    ("   ", {}, "empty query"),
    ("(a+)+$", {"regex": True}, "exponential time"),
    ("([a-z", {"regex": True}, "invalid regular expression"),
    ("x*", {"regex": True}, "matches empty text"),
    ("trust", {"regex": True, "exact": True}, "do not combine"),
    (None, {"near": ["army"]}, "at least two terms"),
    ("{pattern: [{LEMMA: {REGEX: '(a+)+'}}]}", {}, "exponential time"),
    ("{phrase: x, bogus: 1}", {}, "rule query"),
])
def test_bad_queries_are_one_line_errors(study, query, opts, message):
    with pytest.raises(UsageError, match=message):
        study.search(query, **opts)


def test_filters_where_code_not_code_and_document(study):
    assert hits(study, "armée", where=["origin=nigerien"]) == [
        ("fr1", "armée"), ("fr2", "armée"), ("fr2", "armée")]
    assert hits(study, "armée", where=["origin=Western"]) == []
    assert hits(study, "armée", documents=["fr2"]) == [("fr2", "armée"), ("fr2", "armée")]
    with pytest.raises(UsageError, match="unknown attribute 'colour'"):
        study.search("armée", where=["colour=red"])
    with pytest.raises(UsageError, match="no respondent has origin=Martian"):
        study.search("armée", where=["origin=Martian"])
    with pytest.raises(UsageError, match="unknown document"):
        study.search("armée", documents=["nope"])
    with pytest.raises(QualcodeError, match="unknown code"):
        study.search("armée", codes=["nope"])
    study.code("en1", "trust", quote="I trust the EUCAP trainers, not the politics.")
    assert hits(study, "trust", codes=["trust"]) == [("en1", "trust")]
    # sub-codes count as their code: a distrust coding is inside trust
    study.code("en1", "distrust", quote="Partners trusted us.")
    assert hits(study, "trust", codes=["trust"]) == [("en1", "trusted"), ("en1", "trust")]
    assert hits(study, "trust", not_codes=["trust"]) == [("en1", "Trust")]
    assert hits(study, "trust", not_codes=["distrust"]) == [("en1", "Trust"),
                                                             ("en1", "trust")]


def test_counts_per_group_and_per_document(study):
    by = study.search_counts("armée", by=["origin"])
    assert by.to_dict("records") == [
        {"origin": "Nigérien", "hits": 3, "respondents_with_hits": 2, "respondents": 2,
         "documents_with_hits": 2, "words": by.words.iloc[0],
         "per_1000_words": round(3000 / by.words.iloc[0], 2)},
        {"origin": "Western", "hits": 0, "respondents_with_hits": 0, "respondents": 1,
         "documents_with_hits": 0, "words": by.words.iloc[1], "per_1000_words": 0.0}]
    docs = study.respondents().set_index("document").words
    assert list(by.words) == [docs["fr1"] + docs["fr2"], docs["en1"]]
    per_doc = study.search_counts("armée", by=["document"])
    assert dict(zip(per_doc.document, per_doc.hits, strict=True)) == {"en1": 0, "fr1": 1,
                                                                      "fr2": 2}
    with pytest.raises(UsageError, match="unknown attribute 'nope' for --by"):
        study.search_counts("armée", by=["nope"])


def test_index_is_cached_on_disk_and_follows_a_changed_transcript(study, project_dir):
    assert hits(study, "pouvoir") == [("fr1", "pouvoir"), ("fr1", "pouvoir")]
    folder = project_dir / ".qualcode" / "cache" / "tokens"
    cached = sorted(folder.glob("*.pickle"))
    assert len(cached) == 3
    fresh = open_project(project_dir, coder="ana")
    assert hits(fresh, "pouvoir") == [("fr1", "pouvoir"), ("fr1", "pouvoir")]
    assert sorted(folder.glob("*.pickle")) == cached  # read, not rebuilt
    path = project_dir / "interviews" / "fr1.md"
    path.write_text(path.read_text(encoding="utf-8").replace("prend le pouvoir",
                                                             "garde le pouvoir"),
                    encoding="utf-8")
    fresh.import_interviews()
    assert [h for _, h in hits(fresh, "pouvoir", context=1)] == ["pouvoir", "pouvoir"]
    assert list(fresh.search("garde le pouvoir").hit) == ["garde le pouvoir"]
    assert fresh.search("prendre le pouvoir").hit.tolist() == ["prendront le pouvoir"]
