"""REFI <-> qualcode's tables: codebook mapping, transcripts rules on imported text, and
the example study exported, validated and read back exactly."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from qualcode.codebook import load_codebook
from qualcode.errors import InteropError
from qualcode.refi.codebook_map import refi_to_codebook, write_codebook_yaml
from qualcode.refi.convert import qualcode_to_refi, refi_to_qualcode
from qualcode.refi.model import Case, Code, RefiProject, Set, Source, User, stable_guid
from qualcode.refi.read import read_qdpx
from qualcode.refi.write import write_qdpx

from .conftest import copy_example

REPO = Path(__file__).resolve().parents[1]


def _none(v):
    return None if v != v else v  # NaN from pandas


def g(*p: str) -> str:
    return stable_guid("t", *p)


def test_code_ids_from_names_unique_with_duplicate_names_under_parents(tmp_path: Path
                                                                       ) -> None:
    codes = [Code(guid=g("a"), name="Competencies", is_codable=False, color="#AABBCC",
                  description="folder", children=[Code(guid=g("b"), name="Programming")]),
             Code(guid=g("c"), name="Concepts", children=[Code(guid=g("d"), name="Programming",
                                                               color="#123")]),
             Code(guid=g("e"), name="1. Perceived Susceptibility – Észlelt fogékonyság"),
             Code(guid="0A1B2C3D-0000-4000-8000-000000000000", name="ثقة")]
    imp = refi_to_codebook(codes, "Study")
    got = [(c.id, c.name, p.id if p else None, c.color, c.guid) for c, p, _ in imp.book.walk()]
    assert got == [
        ("competencies", "Competencies", None, "#AABBCC", g("a")),
        ("programming", "Programming", "competencies", None, g("b")),
        ("concepts", "Concepts", None, None, g("c")),
        ("concepts_programming", "Programming", "concepts", "#123", g("d")),
        ("c_1_perceived_susceptibility_eszlelt_fogekonysag",
         "1. Perceived Susceptibility – Észlelt fogékonyság", None, None, g("e")),
        ("code_0a1b2c3d", "ثقة", None, None, "0A1B2C3D-0000-4000-8000-000000000000")]
    assert imp.book.codes[0].description == "folder"
    folder = tmp_path / "codebook"
    path = write_codebook_yaml(imp.book, folder, "My Study")
    assert path.name == "my-study.yaml"
    book = load_codebook(folder)  # the written file is a valid codebook
    assert book.by_id()["concepts_programming"].guid == g("d")
    with pytest.raises(InteropError, match=r"my-study\.yaml: already exists"):
        write_codebook_yaml(imp.book, folder, "My Study")
    again = refi_to_codebook(codes, "Study", existing=book)
    assert again.book.codes == [] and len(again.reused) == 6
    assert again.ids == imp.ids


def test_sample_rows_nvivo_windows(shared: Path) -> None:
    proj = read_qdpx(shared / "refi" / "samples" / "nvivo-win-12.6_oltas.qdpx")
    data = refi_to_qualcode(proj, source_label="oltas.qdpx")
    assert [d.id for d in data.documents] == ["videos_selection"]
    doc = data.documents[0]
    assert len(data.codings) == 97
    assert {c.coder for c in data.codings} == {"floriansipos"}
    assert data.coders == ["Gergo", "floriansipos"]
    assert {(c.origin, c.status) for c in data.codings} == {("imported", "accepted")}
    for c in data.codings:
        assert doc.text[c.start:c.end] == c.text
        assert c.code in data.codebook.book.by_id()
        assert c.source.startswith("oltas.qdpx#")


def test_sample_rows_qc_turns_and_attributes_from_sets(shared: Path) -> None:
    data = refi_to_qualcode(read_qdpx(shared / "refi" / "samples" / "qc-1.3.2_demo.qdpx"))
    assert [d.id for d in data.documents] == ["board_2017", "admin-1"]
    assert len(data.codings) == 205
    maxqda = refi_to_qualcode(read_qdpx(shared / "refi" / "samples"
                                        / "maxqda-24.7_ICLS_Conf_Themes_just10.qdpx"))
    by_set = {d.id: d.attributes["sets"] for d in maxqda.documents}
    assert sorted(by_set.values()) == [["ICLS 2024"]] * 5 + [["ICLS 2025"]] * 5
    assert [(s.name, len(s.documents)) for s in maxqda.sets] == [("ICLS 2024", 5),
                                                                  ("ICLS 2025", 5)]


def test_transcript_rules_apply_to_imported_text() -> None:
    labelled = "Interviewer: Why?\n\nR07: Because we trust them.\nInterviewer: Thanks.\n"
    plain = "I wrote this answer myself.\n"
    proj = RefiProject(
        name="p", users=[User(guid=g("u"), name="ann")],
        sources=[Source(guid=g("s1"), name="NE-07.docx", text=labelled,
                        variables={"rank": "junior"}),
                 Source(guid=g("s2"), name="W-01", text=plain)],
        cases=[Case(guid=g("k"), name="R07", source_guids=[g("s1")],
                    variables={"origin": "Nigérien", "language": "fr"}),
               Case(guid=g("nameless"), source_guids=[g("s2")], variables={"age": 40})],
        sets=[Set(guid=g("set"), name="gender: male", member_guids=[g("s2")],
                  member_kinds=["source"])])
    data = refi_to_qualcode(proj, language="en")
    d1, d2 = data.documents
    assert (d1.id, d1.respondent, d1.language) == ("NE-07", "R07", "fr")
    assert [(t.speaker, t.role, t.case_id, labelled[t.start:t.end]) for t in d1.turns] == [
        ("Interviewer", "interviewer", None, "Why?"),
        ("R07", "respondent", "R07", "Because we trust them."),
        ("Interviewer", "interviewer", None, "Thanks.")]
    assert d1.attributes == {"origin": "Nigérien", "rank": "junior", "language": "fr"}
    assert (d2.id, d2.respondent) == ("W-01", "W-01")
    assert [(t.speaker, t.role, t.case_id, t.start, t.end) for t in d2.turns] == [
        ("W-01", "respondent", "W-01", 0, len(plain.rstrip()))]
    assert d2.attributes == {"age": 40, "gender": "male", "language": "en"}
    assert [(c.id, c.attributes) for c in data.cases] == [("R07", {"origin": "Nigérien"})]


@pytest.fixture(scope="module")
def example_export(tmp_path_factory: pytest.TempPathFactory):
    """The shipped example study, imported into a store, exported as .qdpx."""
    from qualcode.datasets import turns
    from qualcode.project import open_project

    root = copy_example(tmp_path_factory.mktemp("refi") / "study")
    proj = open_project(root, coder="lead")
    proj.import_interviews()
    first = proj.codings().iloc[0]
    proj.memo("code", "trust_gap", "Central theme.")
    proj.memo("document", "NE-01", "Long and candid.")
    proj.memo("coding", str(first["id"]), "Clear example.")
    frames = dict(documents=proj.documents(), codings=proj.codings(), memos=proj.memos(),
                  turns=turns(proj.workspace), codebook=proj.codebook)
    proj.close()
    out = tmp_path_factory.mktemp("out")
    model = qualcode_to_refi(proj.settings.name, frames["documents"], frames["codings"],
                             frames["codebook"], frames["memos"], frames["turns"])
    path = write_qdpx(model, out / "example.qdpx")
    again = write_qdpx(qualcode_to_refi(proj.settings.name, frames["documents"],
                                        frames["codings"], frames["codebook"],
                                        frames["memos"], frames["turns"]),
                       out / "again.qdpx")
    return frames, path, again


def test_example_study_export_is_valid_and_stable(example_export, shared: Path) -> None:
    frames, path, again = example_export
    assert path.read_bytes() == again.read_bytes()
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        assert len([n for n in zf.namelist() if n.startswith("sources/")]) == len(
            frames["documents"])
    for xsd in (REPO / "qualcode" / "refi" / "schemas" / "Project.xsd",
                shared / "refi" / "Project.xsd"):
        assert etree.XMLSchema(etree.parse(str(xsd))).validate(root)


def test_example_study_round_trips_exactly(example_export) -> None:
    frames, path, _ = example_export
    data = refi_to_qualcode(read_qdpx(path))
    assert data.report.warnings == []
    docs, turns = frames["documents"], frames["turns"]
    # documents: same ids, text, case, language, attributes
    got = {d.id: d for d in data.documents}
    assert sorted(got) == sorted(docs["document"])
    attr_cols = [c for c in docs.columns if c not in
                 {"document", "case", "cases", "language", "path", "words",
                  "respondent_words", "text"}]
    for rec in docs.to_dict("records"):
        d = got[rec["document"]]
        assert (d.text, d.respondent, d.language) == (rec["text"], rec["case"],
                                                      rec["language"])
        want = {k: rec[k] for k in attr_cols if rec[k] == rec[k] and rec[k] is not None}
        have = {k: (", ".join(map(str, v)) if isinstance(v, list) else v)
                for k, v in d.attributes.items() if k != "language"}
        assert have == want, rec["document"]
        t = turns[turns["document"] == rec["document"]].sort_values("turn")
        assert [(x.speaker, x.role, x.case_id, x.start, x.end) for x in d.turns] == [
            (_none(r.speaker), r.role, _none(r.case), r.start, r.end) for r in t.itertuples()]
    # codes with hierarchy, colours, descriptions and ids
    old = [(c.id, c.name, p.id if p else None, c.color, c.description)
           for c, p, _ in frames["codebook"].walk()]
    new = [(c.id, c.name, p.id if p else None, c.color, c.description)
           for c, p, _ in data.codebook.book.walk()]
    assert new == old
    # accepted codings: same spans, quotes, codes and coders
    cod = frames["codings"]
    cod = cod[cod["status"] == "accepted"]
    want = sorted({(r.document, r.start, r.end, r.text, r.code, r.coder)
                   for r in cod.itertuples()})
    have = sorted((c.document, c.start, c.end, c.text, c.code, c.coder) for c in data.codings)
    assert have == want and len(want) > 100
    assert set(data.coders) == set(cod["coder"]) | {"lead"}
    # memos (ours on a code, a document and a coding; the coders' CSV memos on codings)
    mem = frames["memos"]
    assert {("code", "trust_gap", "Central theme."), ("document", "NE-01", "Long and candid."),
            ("coding", str(frames["codings"].iloc[0]["id"]), "Clear example.")} <= {
        (r.on, r.target, r.memo) for r in mem.itertuples()}
    by_id = {str(r.id): (r.document, r.start, r.end, r.code, r.coder)
             for r in frames["codings"].itertuples()}
    by_key = {c.key: (c.document, c.start, c.end, c.code, c.coder) for c in data.codings}

    def where(on: str, target: str, rows: dict) -> object:
        return rows[target] if on == "coding" else target

    want_memos = sorted((r.on, where(r.on, r.target, by_id), r.coder, r.memo)
                        for r in mem.itertuples())
    have_memos = sorted((m.target_type, where(m.target_type, m.target_id, by_key), m.coder,
                         m.text) for m in data.memos)
    assert have_memos == want_memos and len(want_memos) > 3
