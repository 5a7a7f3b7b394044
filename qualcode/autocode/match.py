"""Apply compiled rules to respondent turns and yield suggestions in document offsets."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.autocode.pipeline import (
    PIECE_TOKENS,
    bounded_sentences,
    char_span,
    doc_sentence_spans,
    matchable,
    sentence_index,
)
from qualcode.autocode.rules import LanguageRules

if TYPE_CHECKING:
    from spacy.tokens import Doc

UNITS = ("sentence", "turn", "match")


@dataclass(frozen=True)
class Suggestion:
    document: str
    start: int
    end: int
    code: str
    rule: str
    matched: str
    language: str
    score: float | None = None  # the learned model's score, when it proposed or agreed


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _near_ok(occ: list[tuple[int, int, int]], n_terms: int, within: int) -> tuple[int, int] | None:
    """The first token window holding every term with gaps of at most `within` tokens."""
    occ = sorted(occ, key=lambda o: o[1])
    for i in range(len(occ)):
        seen: dict[int, tuple[int, int]] = {}
        for term, s, e in occ[i:]:
            if s - occ[i][2] > within:
                break
            seen.setdefault(term, (s, e))
            if len(seen) == n_terms:
                return occ[i][1], max(x[1] for x in seen.values())
    return None


def match_turns(
    lr: LanguageRules,
    turns: Iterable[tuple[str, int, str]],
    unit: str = "sentence",
    batch_size: int = 256,
    sentences_out: list[tuple[str, int, int]] | None = None,
    tokens_out: Callable[[str, int, Doc], None] | None = None,
) -> Iterator[Suggestion]:
    """Match (document id, turn start offset, turn text) items; yields deduplicated spans.

    Rules match over the whole turn (a phrase is found wherever it is), then each match
    belongs to its bounded sentence (pipeline.bounded_sentences): an over-long sentence,
    such as unpunctuated speech-recognition output, counts as pieces of at most
    PIECE_TOKENS tokens, for the suggestion's span and for `unless`. Linear in the
    length of the turn. With a `sentences_out` list, every turn's sentences (document,
    start, end), as `analysis.sentences` segments them, are added to it on the way (the
    learned model reads them, without a second pass of spaCy). `tokens_out(document,
    offset, doc)` sees every tokenized turn (the search index is built from them)."""
    items = list(turns)
    docs = lr.nlp.pipe((matchable(text) for _, _, text in items), batch_size=batch_size)
    for (doc_id, offset, text), doc in zip(items, docs, strict=True):
        if tokens_out is not None:
            tokens_out(doc_id, offset, doc)
        if sentences_out is not None:
            sentences_out.extend((doc_id, offset + a, offset + b) for a, b in
                                 doc_sentence_spans(doc))
        matches = lr.phrases(doc)
        if lr.tokens is not None:
            matches = list(matches) + list(lr.tokens(doc))
        if not matches:
            continue
        sentences = bounded_sentences(doc)
        sent_of = sentence_index(doc, sentences)
        hits: list[tuple[int, int, str]] = []
        vetoed: set[tuple[str, int]] = set()
        terms: dict[tuple[str, int], list[tuple[int, int, int]]] = {}
        for key, s, e in sorted(matches, key=lambda m: (m[1], m[2])):
            rid, role = lr.keys[key]
            if role == "hit":
                hits.append((s, e, rid))
            elif role == "unless":
                vetoed.add((rid, sent_of[s]))
            else:
                piece = sent_of[s]
                term = (int(role[5:]), s, e)
                terms.setdefault((rid, piece), []).append(term)
                # near a cut inside an over-long sentence: also with the piece before it
                start = sentences[piece][0]
                if piece and s - start < lr.rules[rid].within and not doc[start].is_sent_start:
                    terms.setdefault((rid, piece - 1), []).append(term)
        for (rid, _sent), occ in terms.items():
            rule = lr.rules[rid]
            window = _near_ok(occ, rule.n_terms, rule.within)
            if window:
                hits.append((window[0], window[1], rid))
        seen: set[tuple[str, int, int]] = set()
        for s, e, rid in sorted(hits):
            first, last = sent_of[s], sent_of[e - 1]
            if (rid, first) in vetoed or (rid, last) in vetoed:
                continue
            rule = lr.rules[rid]
            if unit == "sentence" and first == last:
                a, b = char_span(doc, *sentences[first], text)
            elif unit == "sentence":
                # across a cut of an over-long sentence: PIECE_TOKENS tokens around it
                lo, hi = sentences[first][0], sentences[last][1]
                size = max(PIECE_TOKENS, e - s)
                start = max(lo, min(s - (size - (e - s)) // 2, hi - size))
                a, b = char_span(doc, start, min(hi, start + size), text)
            elif unit == "turn":
                a, b = _trim(text, 0, len(text))
            else:
                a, b = doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)
            key = (rule.code, a, b)
            if key in seen:
                continue
            seen.add(key)
            m_a, m_b = doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)
            yield Suggestion(doc_id, offset + a, offset + b, rule.code, rid, text[m_a:m_b],
                             lr.lang)
