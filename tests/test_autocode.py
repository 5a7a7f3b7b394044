"""Auto-coding: exact spans, lemmas, speakers, idempotence with reviewed suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.coding import decide
from qualcode.errors import CodebookError
from qualcode.project import open_project

from .conftest import write

EN = """
---
id: en1
respondent: R1
---
Interviewer: Is there trust? Could there be a coup?

R1: Partners trusted us. Then nobody did.

Everyone says the army should stay far away from politics, honestly. The army was never
into politics.

Interviewer: And the last bastion idea?

R1: Officers were Suspicious of the coups elsewhere.
"""

FR = """
---
id: fr1
respondent: R2
language: fr
interviewer: [Intervieweur]
---
Intervieweur : Parlons de confiance.

R2 : Nous n’avions plus confiance. L’armée prend le pouvoir, voilà.

Les militaires prendront le pouvoir encore. On parle de coups d'état partout.
"""


def spans(df, text: str) -> list[tuple[str, str, str]]:
    return sorted((r.code, text[r.start:r.end], r.matched) for r in df.itertuples())


@pytest.fixture
def study(project_dir: Path):
    write(project_dir / "interviews" / "en1.md", EN)
    write(project_dir / "interviews" / "fr1.md", FR)
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    return proj


def doc_text(proj, doc_id: str) -> str:
    docs = proj.documents()
    return docs.set_index("document").loc[doc_id, "text"]


def test_english_sentences_by_lemma_case_insensitive_never_interviewer(study):
    df = study.autocode()
    en = df[df.document == "en1"]
    text = doc_text(study, "en1")
    assert spans(en, text) == [
        ("coup", "Everyone says the army should stay far away from politics, honestly.",
         "army should stay far away from politics"),
        ("coup", "Officers were Suspicious of the coups elsewhere.", "coups"),
        ("coup", "The army was never\ninto politics.", "army was never\ninto politics"),
        ("distrust", "Officers were Suspicious of the coups elsewhere.", "Suspicious"),
        ("trust", "Partners trusted us.", "trusted"),
    ]
    assert "last bastion" not in " ".join(en.matched)  # only the interviewer said it


def test_french_elision_conjugation_and_plural(study):
    # lookup lemmas are context-free: prend/prendront -> prendre, coups -> coup; a
    # participle like "pris" keeps its own form and needs its own rule
    df = study.autocode()
    fr = df[df.document == "fr1"]
    text = doc_text(study, "fr1")
    assert spans(fr, text) == [
        ("coup", "Les militaires prendront le pouvoir encore.", "prendront le pouvoir"),
        ("coup", "L’armée prend le pouvoir, voilà.", "prend le pouvoir"),
        ("coup", "On parle de coups d'état partout.", "coups d'état"),
        ("trust", "L’armée prend le pouvoir, voilà.", "L’armée"),
        ("trust", "Nous n’avions plus confiance.", "confiance"),
    ]
    assert set(fr.language) == {"fr"}


def test_units_turn_and_match(study):
    turn = study.autocode(documents=["en1"], unit="turn", dry_run=True)
    text = doc_text(study, "en1")
    assert {text[r.start:r.end] for r in turn.itertuples() if r.code == "trust"} == {
        "Partners trusted us. Then nobody did.\n\nEveryone says the army should stay far away "
        "from politics, honestly. The army was never\ninto politics."}
    match = study.autocode(documents=["en1"], unit="match", dry_run=True)
    assert sorted(text[r.start:r.end] for r in match.itertuples()) == [
        "Suspicious", "army should stay far away from politics", "army was never\ninto politics",
        "coups", "trusted"]


def test_rerun_is_idempotent_and_respects_decisions(study):
    first = study.autocode_run()
    assert (first.added, first.removed, first.kept) == (10, 0, 0)
    codings = study.codings(origins=["auto"])
    trusted = codings[codings.text == "Partners trusted us."].id.item()
    coups = codings[(codings.code == "coup") & codings.text.str.startswith("Officers")].id.item()
    decide(study, trusted, "reject")
    decide(study, coups, "accept")
    again = study.autocode_run()
    assert (again.added, again.removed, again.kept, again.skipped_decided) == (0, 0, 8, 2)
    after = study.codings(origins=["auto"]).set_index("id")
    assert after.loc[trusted, "status"] == "rejected"
    assert after.loc[coups, "status"] == "accepted"
    assert len(after) == 10


def test_changed_rules_take_effect_and_keep_manual_codings(study, project_dir: Path):
    from qualcode.coding import Selection, add_coding

    manual = add_coding(study, "en1", "trust", Selection(quote="Then nobody did."))
    study.autocode()
    cb = project_dir / "codebook" / "codes.yaml"
    cb.write_text(cb.read_text().replace("rules:\n          en: [suspicious]",
                                         "rules:\n          en: [nobody]"), encoding="utf-8")
    fresh = study  # the same handle sees the edited codebook
    res = fresh.autocode_run(codes=["distrust"])
    assert (res.added, res.removed) == (1, 1)
    rows = fresh.codings()
    assert manual in set(rows.id)
    assert sorted(rows[rows.code == "distrust"].text) == ["Then nobody did."]


def test_accept_directly_records_the_coder(study):
    study.autocode(documents=["fr1"], accept=True)
    rows = study.codings(documents=["fr1"])
    assert set(rows.status) == {"accepted"}


def test_invalid_rule_is_reported_with_file_code_and_rule(project_dir: Path):
    write(project_dir / "codebook" / "codes.yaml",
          "codes:\n  - id: a\n    name: A\n    rules:\n      en:\n        - ok phrase\n"
          "        - {pattern: [{LOWER: x, OP: '!!'}]}\n")
    proj = open_project(project_dir)
    from qualcode.autocode.rules import check_rules

    with pytest.raises(CodebookError) as err:
        check_rules(proj.codebook)
    assert err.value.problems[0].startswith(
        "codebook/codes.yaml:7: code a: rule a.en.2 (pattern [{'LOWER': 'x', 'OP': '!!'}]): "
        "invalid token pattern")


def test_unknown_code_or_document_is_a_usage_error(study):
    from qualcode.errors import UsageError

    with pytest.raises(UsageError, match="unknown code\\(s\\) nope"):
        study.autocode(codes=["nope"])
    with pytest.raises(UsageError, match="unknown document\\(s\\) zz"):
        study.autocode(documents=["zz"])


def test_a_very_long_unlabelled_transcript_is_coded(project_dir: Path):
    body = ("Nothing to see here. " * 60_000) + "We trust them. " + ("More words. " * 10)
    write(project_dir / "interviews" / "long.txt", body)
    proj = open_project(project_dir)
    proj.import_interviews()
    df = proj.autocode(codes=["trust"])
    assert len(body) > 1_000_000
    assert df.matched.tolist() == ["trust"]
