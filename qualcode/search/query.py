"""A search query and how it matches a document's token index.

A query is a codebook rule (docs/codebook.md): a phrase matched on lemmas (the default),
`near` terms within N tokens of one sentence, or any rule written as in the codebook
(`{pattern: [...]}`, `unless: [...]`). `--exact` matches the words as written (case
ignored); `--regex` a regular expression over the text, checked like a rule's regex.
Phrases and `near` run on the token index (numpy, no spaCy at search time), with the
same tokens and lemmas as the codebook's matcher; other rules run the matcher itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from qualcode.errors import UsageError

if TYPE_CHECKING:
    import numpy as np

    from qualcode.codebook import Rule
    from qualcode.search.index import DocIndex

MODES = ("lemma", "exact", "regex", "near", "rule")
MAX_QUERY = 1000


@dataclass(frozen=True)
class Query:
    text: str
    mode: str
    terms: tuple[str, ...] = ()
    within: int = 8
    rule: Rule | None = None

    def describe(self) -> str:
        if self.mode == "near":
            return f"{', '.join(self.terms)} within {self.within}"
        return self.text

    def as_rule(self) -> str | None:
        """The codebook rule that finds the same hits (None for a text regex)."""
        import json

        if self.mode == "lemma":
            return json.dumps(self.text, ensure_ascii=False)
        if self.mode == "near":
            terms = ", ".join(json.dumps(t, ensure_ascii=False) for t in self.terms)
            return f"{{near: [{terms}], within: {self.within}}}"
        if self.mode == "exact":
            words = ", ".join("{LOWER: " + json.dumps(w.lower(), ensure_ascii=False) + "}"
                              for w in self.text.split())
            return f"{{pattern: [{words}]}}"
        if self.mode == "rule":
            return self.text
        return None


def parse_query(text: str | None, exact: bool = False, regex: bool = False,
                near: list[str] | None = None, within: int = 8) -> Query:
    """Check a query and say what it is; a bad one is a UsageError in one line."""
    text = (text or "").strip()
    if near:
        terms = tuple(t.strip() for t in near if t.strip())
        if text:
            raise UsageError("give either a QUERY or --near A,B, not both")
        if regex:
            raise UsageError("--near takes phrases, not --regex")
        if exact:
            raise UsageError("--near matches lemmas; it does not combine with --exact")
        if len(terms) < 2:
            raise UsageError("--near needs at least two terms, e.g. --near EUCAP,formation")
        if not 1 <= within <= 100:
            raise UsageError(f"--within {within}: give 1 to 100 tokens")
        return Query(text=", ".join(terms), mode="near", terms=terms, within=within)
    if not text:
        raise UsageError("empty query - give a word or phrase, e.g. qualcode search "
                         "sovereignty (or --near A,B)")
    if len(text) > MAX_QUERY:
        raise UsageError(f"query of {len(text)} characters - keep it under {MAX_QUERY}")
    if exact and regex:
        raise UsageError("--exact and --regex do not combine: choose one")
    if regex:
        from qualcode.codebook import regex_problem

        problem = regex_problem(text)
        if problem:
            raise UsageError(problem)
        if re.compile(text).match(""):
            raise UsageError(f"regular expression {text!r} matches empty text - make it "
                             "match at least one character")
        return Query(text=text, mode="regex")
    if text.startswith("{"):
        if exact:
            raise UsageError("--exact does not combine with a rule written as {...}")
        return Query(text=text, mode="rule", rule=_parse_rule(text))
    return Query(text=text, mode="exact" if exact else "lemma")


def _parse_rule(text: str) -> Rule:
    import yaml
    from pydantic import ValidationError

    from qualcode.codebook import Code, Codebook, Rule, rule_problems

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"the query {text!r} is not a rule - "
                         f"{' '.join(str(exc).split())[:150]}") from None
    if not isinstance(data, dict):
        raise UsageError(f"the query {text!r} is not a rule: write {{phrase: ...}}, "
                         "{pattern: [...]} or {near: [...], within: N}")
    try:
        rule = Rule.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UsageError(f"rule query: {where}: {err['msg']}") from None
    book = Codebook(codes=[Code(id="search", name="search", rules={"xx": [rule]})])
    problems = [p for found in rule_problems(book).values() for p in found]
    if problems:
        raise UsageError("rule query: " + problems[0].split("rules.xx[0]", 1)[-1].lstrip(": "))
    return rule


# --- matching on the token index -------------------------------------------------------

@lru_cache(maxsize=256)
def _words(language: str, package: str | None, phrase: str, attr: str) -> tuple[str, ...]:
    """The query's words as the index holds them (once per language, not per document)."""
    from qualcode.autocode.pipeline import make_nlp, matchable

    nlp = make_nlp(language, package)
    doc = nlp.make_doc(matchable(phrase.strip()))
    return tuple(t.norm_ if attr == "norm" else t.lower_ for t in doc)


def _positions(index: DocIndex, words: tuple[str, ...], attr: str) -> np.ndarray:
    """Token positions where the sequence `words` starts (on `attr`), inside one turn."""
    import numpy as np

    ids = [index.id_of(w) for w in words]
    k = len(ids)
    if not k or any(i is None for i in ids) or len(index) < k:
        return np.empty(0, dtype=np.int64)
    arr = index.norm if attr == "norm" else index.lower
    pos = np.flatnonzero(arr[: len(arr) - k + 1] == ids[0])
    for j in range(1, k):
        if not len(pos):
            break
        pos = pos[arr[pos + j] == ids[j]]
    if k > 1 and len(pos):
        pos = pos[index.turn[pos] == index.turn[pos + k - 1]]
    return pos


def token_hits(query: Query, index: DocIndex, package: str | None = None
               ) -> list[tuple[int, int]]:
    """(first token, end token exclusive) of each hit of a lemma, exact or near query."""
    if query.mode in ("lemma", "exact"):
        attr = "norm" if query.mode == "lemma" else "lower"
        words = _words(index.language, package, query.text, attr)
        k = len(words)
        return [(int(p), int(p) + k) for p in _positions(index, words, attr)]
    if query.mode == "near":
        return _near_hits(query, index, package)
    raise ValueError(query.mode)


def _near_hits(query: Query, index: DocIndex, package: str | None) -> list[tuple[int, int]]:
    """As the codebook's near rules: per bounded sentence, the first window holding every
    term (qualcode.autocode.match), a term near a cut of an over-long sentence counted in
    the piece before it too."""
    import numpy as np

    from qualcode.autocode.match import _near_ok

    groups: dict[int, list[tuple[int, int, int]]] = {}
    for j, term in enumerate(query.terms):
        words = _words(index.language, package, term, "norm")
        for p in _positions(index, words, "norm"):
            s, e = int(p), int(p) + len(words)
            sent = int(index.sent[s])
            groups.setdefault(sent, []).append((j, s, e))
            if index.cut[sent]:
                first = int(np.searchsorted(index.sent, sent))
                if s - first < query.within:
                    groups.setdefault(sent - 1, []).append((j, s, e))
    hits = set()
    for occ in groups.values():
        window = _near_ok(occ, len(query.terms), query.within)
        if window:
            hits.add(window)
    return sorted(hits)


def rule_hits(rule: Rule, language: str, items: list[tuple[str, int, str]],
              settings: Any = None) -> list[tuple[str, int, int]]:
    """(document, start, end) of the matches of a codebook rule over turns (document,
    offset, text), with the codebook's own matcher."""
    from qualcode.autocode.match import match_turns
    from qualcode.autocode.rules import compile_language
    from qualcode.codebook import Code, Codebook

    book = Codebook(codes=[Code(id="search", name="search", rules={language: [rule]})])
    lr = compile_language(book, language, settings)
    return sorted({(s.document, s.start, s.end) for s in match_turns(lr, items, "match")})


def regex_hits(query: Query, text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Character spans of a regex query in text[start:end] (case ignored; curly
    apostrophes and odd spaces read as the matcher reads them: ' and a space)."""
    from qualcode.autocode.pipeline import matchable

    pattern = re.compile(query.text, re.IGNORECASE)
    return [(start + m.start(), start + m.end())
            for m in pattern.finditer(matchable(text[start:end])) if m.end() > m.start()]
