"""Issue 12, item 12: a pseudonymised export leaks no label, no case id, no name part."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.project import open_project
from qualcode.transcripts import DEFAULT_INTERVIEWER_LABELS, DEFAULT_RESPONDENT_LABELS

from .conftest import copy_example, write

FOCUS_GROUP = """
---
id: FG-02
respondent: FG02
language: fr
origin: Nigérien
phase: post-coup
contact: Moussa Diallo
interviewer: [Modératrice]
speakers:
  Lieutenant Moussa Diallo: {case: N30, rank: junior officer}
  Ñoño Pérez: N31
  AMADOU: N32
  Aïssata Maïga-Touré: {case: N33, rank: enlisted}
  Abdoulaye Keïta: N34
---
Modératrice : Bienvenue. Lieutenant Moussa Diallo, vous commencez ?

Lieutenant Moussa Diallo : Merci. Comme le disait Ñoño, la confiance manque. Pérez le sait.

Ñoño Pérez : Oui, Moussa a raison, la confiance manque. AMADOU aussi le dit, et amadou le répète.

AMADOU : Diallo et moi, on est d'accord avec N30. Abdoulaye Keïta aussi, et KEÏTA le dira.

Aïssata Maïga-Touré : Maïga-Touré, c'est moi ; Aïssata pour les amis. FG-02 le montrera.
"""

GENERIC = {x.casefold() for x in (*DEFAULT_INTERVIEWER_LABELS, *DEFAULT_RESPONDENT_LABELS)}
MUST_STAY = ["la confiance manque", "c'est moi"]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("pseudo") / "sahel")
    write(root / "interviews" / "FG-02.md", FOCUS_GROUP)
    proj = open_project(root, coder="ana")
    proj.import_interviews()
    proj.autocode()
    proj.code("FG-02", "trust_gap", quote="Merci. Comme le disait Ñoño, la confiance manque.")
    proj.code("FG-02", "coup_risk", quote="Oui, Moussa a raison")
    proj.code("FG-02", "trust_gap", quote="AMADOU aussi le dit, et amadou le répète.")
    proj.code("FG-02", "populist_mistrust", quote="Diallo et moi")
    proj.code("FG-02", "populist_mistrust", quote="Maïga-Touré, c'est moi ; Aïssata")
    return root


def hidden_names(root: Path) -> set[str]:
    """Every label, case id, document id and name part the export must not show,
    collected independently of the code under test."""
    from qualcode.datasets import documents as documents_frame
    from qualcode.datasets import turns as turns_frame

    proj = open_project(root)
    docs = documents_frame(proj.workspace)
    turns = turns_frame(proj.workspace)
    names = set(docs.document) | set(docs["case"])
    names |= {c.strip() for v in docs.cases for c in str(v).split(",") if c.strip()}
    names |= set(turns.case.dropna())
    names |= {s for s, r in zip(turns.speaker, turns.role, strict=True)
              if isinstance(s, str) and s.casefold() not in GENERIC and r == "respondent"}
    names |= {"Lieutenant Moussa Diallo", "Moussa", "Diallo", "Ñoño Pérez", "Ñoño", "Pérez",
              "AMADOU", "Aïssata Maïga-Touré", "Aïssata", "Maïga", "Touré",
              "Abdoulaye Keïta", "Abdoulaye", "Keïta", "N34", "Modératrice"}
    return {n for n in names if n}


def leaks(output: str, names: set[str]) -> list[str]:
    folded = output.casefold()
    found = []
    for name in names:
        body = r"\s+".join(re.escape(w) for w in name.casefold().split())
        if re.search(rf"(?<!\w){body}(?!\w)", folded):
            found.append(name)
    return sorted(found)


def export(root: Path, what: str, fmt: str, pseudonymize: bool = True) -> str:
    from qualcode.cli.app import app

    res = CliRunner().invoke(app, ["--project", str(root), "export", what, "-f", fmt,
                                   *(["--pseudonymize"] if pseudonymize else [])],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.stderr
    return res.stdout


def readable(output: str, fmt: str) -> str:
    """The export's values as text (JSON escapes such as \\n decoded)."""
    if fmt != "json":
        return output
    return "\n".join(f"{k}: {v}" for row in json.loads(output) for k, v in row.items())


@pytest.mark.parametrize("what", ["codings", "documents"])
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_pseudonymised_export_leaks_no_name(study: Path, what: str, fmt: str):
    out = readable(export(study, what, fmt), fmt)
    names = hidden_names(study)
    assert leaks(out, names) == []
    # the same export without --pseudonymize does show them: the check is not vacuous
    plain = readable(export(study, what, fmt, pseudonymize=False), fmt)
    assert {"Moussa", "Ñoño Pérez", "AMADOU", "Maïga"} <= set(leaks(plain, names))
    for phrase in MUST_STAY:  # only names are touched
        assert phrase in out


def test_pseudonyms_are_consistent_across_columns_and_text(study: Path):
    rows = json.loads(export(study, "codings", "json"))
    fg = [r for r in rows if r["text"].startswith("Merci. Comme le disait")]
    [row] = [r for r in fg if r["origin"] == "manual"]
    # the speaker (Lieutenant Moussa Diallo, case N30) is the case's pseudonym everywhere
    assert row["speaker"] == row["case"] and row["case"].startswith("case-")
    [addressed] = [r for r in rows if r["text"].startswith("Oui, ") and r["origin"] == "manual"]
    assert addressed["text"] == f"Oui, {row['case']} a raison"
    docs = {d["case"]: d for d in json.loads(export(study, "documents", "json"))}
    assert all(d["document"].startswith("doc-") and "path" not in d for d in docs.values())
    fg_doc = next(d for d in docs.values() if row["case"] in d["cases"])
    assert fg_doc["contact"] == f"{row['case']} {row['case']}"  # Moussa Diallo


def test_role_words_and_other_text_stay():
    from qualcode.export import build_pseudonyms, pseudonymize_table

    p = build_pseudonyms(b"k", ["D1"], ["R1"], [("Interviewer", None, "interviewer"),
                                                ("A", "R1", "respondent"),
                                                ("Soldat C", "N17", "respondent")],
                         keep=[*DEFAULT_INTERVIEWER_LABELS, *DEFAULT_RESPONDENT_LABELS])
    import pandas as pd

    df = pd.DataFrame({"speaker": ["Interviewer", "A", "Soldat C"],
                       "text": ["I asked A.", "A lot, c'est clair, Soldat C.", "Soldat  C: non."]})
    out = pseudonymize_table(df, p)
    n17 = p.names["N17"]
    assert out.speaker.tolist() == ["Interviewer", "A", n17]
    assert out.text.tolist() == ["I asked A.", f"A lot, c'est clair, {n17}.", f"{n17}: non."]


def test_name_parts_skip_titles_ranks_particles_and_single_letters():
    from qualcode.export import name_parts

    assert name_parts("Lieutenant Moussa Diallo") == ["Moussa", "Diallo"]
    assert name_parts("Sergent B") == []
    assert name_parts("Aïssata Maïga-Touré") == ["Aïssata", "Maïga", "Touré"]
    assert name_parts("Mohamed ag Ahmed") == ["Mohamed", "Ahmed"]
    assert name_parts("Colonel de la Fontaine") == ["Fontaine"]
    assert name_parts("AMADOU") == []  # one word: the label itself is the name


def test_a_name_part_shared_by_two_people_gets_its_own_pseudonym():
    from qualcode.export import build_pseudonyms

    p = build_pseudonyms(b"k", [], [], [("Moussa Diallo", "N1", "respondent"),
                                         ("Awa Diallo", "N2", "respondent")])
    assert p.names["Moussa"] == p.names["Moussa Diallo"] == p.names["N1"]
    assert p.names["Diallo"].startswith("name-")


def test_many_names_over_many_texts_stay_fast():
    import random
    import time

    from qualcode.export import build_pseudonyms, name_substituter

    rng = random.Random(0)
    cases = [f"R{i:05d}" for i in range(3000)]
    speakers = [(f"Moussa Diallo{i}", cases[i], "respondent") for i in range(3000)]
    p = build_pseudonyms(b"k", [f"D{i:05d}" for i in range(3000)], cases, speakers)
    sub = name_substituter(p.names)
    words = "the army stays out of politics we trust them never asked moussa r00042".split()
    texts = [" ".join(rng.choice(words) for _ in range(40)) for _ in range(3000)]
    started = time.perf_counter()
    out = [sub(t) for t in texts]
    assert time.perf_counter() - started < 10  # one alternative per name took minutes
    assert not any("moussa" in t.lower() or "r00042" in t for t in out)
    assert sub("Moussa  Diallo12 and MOUSSA DIALLO12!") == (
        f"{p.names['R00012']} and {p.names['R00012']}!")
