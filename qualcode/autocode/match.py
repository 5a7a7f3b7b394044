"""Apply compiled rules to respondent turns and yield suggestions in document offsets."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from qualcode.autocode.pipeline import matchable
from qualcode.autocode.rules import LanguageRules

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
) -> Iterator[Suggestion]:
    """Match (document id, turn start offset, turn text) items; yields deduplicated spans."""
    items = list(turns)
    docs = lr.nlp.pipe((matchable(text) for _, _, text in items), batch_size=batch_size)
    for (doc_id, offset, text), doc in zip(items, docs, strict=True):
        matches = lr.phrases(doc)
        if lr.tokens is not None:
            matches = list(matches) + list(lr.tokens(doc))
        if not matches:
            continue
        hits: list[tuple[int, int, str]] = []
        vetoed: set[tuple[str, int]] = set()
        terms: dict[tuple[str, int], list[tuple[int, int, int]]] = {}
        for key, s, e in sorted(matches, key=lambda m: (m[1], m[2])):
            rid, role = lr.keys[key]
            sent_start = doc[s].sent.start
            if role == "hit":
                hits.append((s, e, rid))
            elif role == "unless":
                vetoed.add((rid, sent_start))
            else:
                terms.setdefault((rid, sent_start), []).append((int(role[5:]), s, e))
        for (rid, _sent), occ in terms.items():
            rule = lr.rules[rid]
            window = _near_ok(occ, rule.n_terms, rule.within)
            if window:
                hits.append((window[0], window[1], rid))
        seen: set[tuple[str, int, int]] = set()
        for s, e, rid in sorted(hits):
            sent = doc[s].sent
            if (rid, sent.start) in vetoed:
                continue
            rule = lr.rules[rid]
            if unit == "sentence":
                a, b = _trim(text, sent.start_char, sent.end_char)
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
