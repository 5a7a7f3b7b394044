"""Re-anchoring codings when a transcript changes: nothing silently lost or misplaced."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.anchor import reanchor
from qualcode.project import open_project

from .conftest import write

SENTENCES = ["L’armée est là.", "Nous avons confiance.", "Les élites se méfient.",
             "Rien à signaler.", "On verra demain.", "Personne ne sait."]


def test_insertion_before_moves_both_occurrences_of_a_repeated_sentence():
    old = "A. Same sentence. B. Same sentence. C."
    new = "Intro added. " + old
    first, second = old.index("Same"), old.rindex("Same")
    out = reanchor(old, new, [(1, first, first + 14), (2, second, second + 14)])
    assert [(a.anchor, a.start - 13, a.end - 13) for a in out] == [
        ("ok", first, first + 14), ("ok", second, second + 14)]


def test_deleted_passage_is_orphaned_not_moved_to_its_twin():
    old = "A. Same sentence. B. Same sentence. C."
    new = "A. B. Same sentence. C."
    first = old.index("Same")
    second = old.rindex("Same")
    out = {a.id: a for a in reanchor(old, new, [(1, first, first + 14),
                                                 (2, second, second + 14)])}
    assert out[1].anchor == "orphaned"
    assert (out[2].anchor, new[out[2].start:out[2].end]) == ("ok", "Same sentence.")


def test_edit_inside_a_span_flags_it():
    old = "Before. The army stays out of politics. After."
    new = "Before. The army stays well out of politics. After."
    s = old.index("The army")
    [a] = reanchor(old, new, [(1, s, s + len("The army stays out of politics."))])
    assert a.anchor == "changed"
    assert new[a.start:a.end] == "The army stays well out of politics."


@st.composite
def edited(draw):
    """A document of numbered segments, a coding per segment, and a random edit script."""
    n = draw(st.integers(3, 12))
    segs = [(i, draw(st.sampled_from(SENTENCES))) for i in range(n)]  # duplicates likely
    ops = draw(st.lists(st.tuples(st.sampled_from(["insert", "delete", "edit"]),
                                  st.integers(0, 100), st.sampled_from(SENTENCES)),
                        max_size=5))
    return segs, ops


def render(segs):
    text, spans = "", {}
    for sid, s in segs:
        spans[sid] = (len(text), len(text) + len(s))
        text += s + " "
    return text, spans


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited())
def test_reanchoring_properties(case):
    segs, ops = case
    old, old_spans = render(segs)
    new_segs = list(segs)
    touched, deleted = set(), set()
    for op, pos, _sentence in ops:
        if op == "insert":
            # inserted text is new text: an inserted copy of an edited passage's original
            # would be ambiguous to any diff, human or machine
            new_segs.insert(pos % (len(new_segs) + 1), (1000 + pos, f"Ajout numéro {pos}."))
        elif new_segs:
            i = pos % len(new_segs)
            sid, s = new_segs[i]
            if op == "delete":
                new_segs.pop(i)
                deleted.add(sid)
            else:
                new_segs[i] = (sid, s[:-1] + " !" + s[-1])
                touched.add(sid)
    new, new_spans = render(new_segs)
    out = reanchor(old, new, [(sid, a, b) for sid, (a, b) in old_spans.items()])
    assert len(out) == len(old_spans)  # nothing silently dropped
    for a in out:
        quoted = old[old_spans[a.id][0]:old_spans[a.id][1]]
        if a.anchor == "ok":
            # an ok coding covers exactly its old text in the new document
            assert new[a.start:a.end] == quoted
        if a.anchor != "orphaned":
            assert 0 <= a.start <= a.end <= len(new)
        if old.count(quoted) != 1:
            continue  # identical passages: which one was edited or deleted is ambiguous
        if a.id in deleted:
            assert a.anchor == "orphaned"
        elif a.id in touched:
            assert a.anchor == "changed"
        else:
            # a unique, untouched passage lands exactly on itself
            assert (a.anchor, a.start, a.end) == ("ok", *new_spans[a.id])


def test_import_reanchors_and_status_lists_flagged_and_orphaned(project_dir: Path):
    path = write(project_dir / "interviews" / "d.md",
                 "R: Alpha one. Bravo two. Charlie three. Bravo two.\n")
    proj = open_project(project_dir, coder="ana")
    proj.import_interviews()
    keep = proj.code("d", "trust", quote="Charlie three.")
    gone = proj.code("d", "coup", quote="Alpha one.")
    twin = proj.code("d", "distrust", quote="Bravo two.", occurrence=2)
    edit = proj.code("d", "trust", quote="Bravo two.", occurrence=1)
    path.write_text("R: Intro. Bravo too. Charlie three. Bravo two.\n", encoding="utf-8")
    report = proj.import_interviews()
    assert report.reanchored == {"ok": 2, "changed": 1, "orphaned": 1}
    rows = proj.codings().set_index("id")
    text = proj.documents().text[0]
    assert rows.loc[keep, ["anchor", "text"]].tolist() == ["ok", "Charlie three."]
    assert rows.loc[twin, "anchor"] == "ok" and rows.loc[twin, "start"] == text.rindex("Bravo")
    assert rows.loc[edit, "anchor"] == "changed"
    assert rows.loc[gone, ["anchor", "text"]].tolist() == ["orphaned", "Alpha one."]
    flagged = {(f["id"], f["anchor"]) for f in proj.status()["flagged"]}
    assert flagged == {(edit, "changed"), (gone, "orphaned")}
    # orphaned codings are kept but never counted
    assert proj.summary().set_index("code").loc["coup", "count"] == 0
