"""Issue 12, item 20: re-anchoring keeps a passage's final full stop."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.anchor import reanchor

SENTENCES = ["L’armée est là.", "Nous avons confiance.", "Les élites se méfient.",
             "Rien à signaler.", "On verra demain.", "Personne ne sait.", "Oui.",
             "Non, merci."]
WORDS = ["armée", "confiance", "élites", "rien", "demain", "personne", "oui", "la"]


def test_final_full_stop_kept_when_the_diff_pairs_it_with_another_one():
    # the diff pairs the last full stop of the old text with the only one of the new
    # text; the coded passage's own full stop is still right after its words
    old = "Les élites se méfient. Personne ne sait. Nous avons confiance."
    new = "Personne ne demain sait."
    s = old.index("Personne")
    [a] = reanchor(old, new, [(1, s, s + len("Personne ne sait."))])
    assert (a.anchor, new[a.start:a.end]) == ("changed", "Personne ne demain sait.")


def test_final_full_stop_kept_when_the_last_word_is_replaced():
    old = "Personne ne sait. Nous avons confiance. L’armée est là. Oui."
    new = "Personne ne sait. Nous avons personne. Oui."
    s = old.index("Nous")
    [a] = reanchor(old, new, [(1, s, s + len("Nous avons confiance."))])
    assert (a.anchor, new[a.start:a.end]) == ("changed", "Nous avons personne.")


def test_intact_passage_whose_full_stop_the_diff_paired_elsewhere_is_ok():
    old = "X. A b. C d."
    new = "Y. A b."
    s = old.index("A b.")
    [a] = reanchor(old, new, [(1, s, s + 4)])
    assert (a.anchor, new[a.start:a.end]) == ("ok", "A b.")


@st.composite
def interior_edit(draw):
    """Sentences, one coded; its words (not its full stop) edited; whole sentences
    inserted or deleted elsewhere."""
    sents = draw(st.lists(st.sampled_from(SENTENCES), min_size=2, max_size=8))
    k = draw(st.integers(0, len(sents) - 1))
    words = sents[k][:-1].split(" ")
    op = draw(st.sampled_from(["insert", "delete", "replace"]))
    i = draw(st.integers(0, len(words) - 1))
    word = draw(st.sampled_from(WORDS))
    if op == "insert":
        words.insert(i + 1, word)
    elif op == "delete" and len(words) > 2:
        del words[i]
    else:
        words[i] = word
    new_sents = list(sents)
    new_sents[k] = " ".join(words) + sents[k][-1]
    others = draw(st.lists(st.tuples(st.booleans(), st.integers(0, 20),
                                     st.sampled_from(SENTENCES)), max_size=3))
    pos = k
    for insert, where, sentence in others:
        if insert:
            at = where % (len(new_sents) + 1)
            new_sents.insert(at, sentence)
            pos += at <= pos
        else:
            at = where % len(new_sents)
            if at != pos:
                new_sents.pop(at)
                pos -= at < pos
    return sents, k, new_sents, pos


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interior_edit())
def test_a_passage_edited_inside_keeps_its_closing_punctuation(case):
    sents, k, new_sents, _pos = case
    old, new = " ".join(sents), " ".join(new_sents)
    s = len(" ".join(sents[:k])) + (1 if k else 0)
    e = s + len(sents[k])
    [a] = reanchor(old, new, [(1, s, e)])
    if a.anchor != "orphaned":
        assert new[a.start:a.end].endswith(sents[k][-1]), (old, new, new[a.start:a.end])
