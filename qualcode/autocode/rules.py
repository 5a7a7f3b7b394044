"""Compile the codebook's rules into spaCy matchers, one set per language.

A rule is data (see docs/codebook.md):
- a string or `{phrase: ...}`: a phrase matched on lemmas, case-insensitively;
- `{pattern: [...]}`: a token pattern in spaCy's Matcher syntax (LEMMA means the
  lower-cased lookup lemma; LOWER, IS_PUNCT, OP, IN... work as in spaCy);
- `{near: [a, b, ...], within: N}`: all terms (phrases) within N tokens in one sentence;
- any rule may add `unless: [...]`: phrases that cancel it within the same sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.codebook import Codebook, rule_problems, validate_rules
from qualcode.errors import CodebookError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import Matcher, PhraseMatcher

    from qualcode.settings import Settings


@dataclass
class CompiledRule:
    id: str
    code: str
    kind: str
    within: int = 0
    n_terms: int = 1
    has_unless: bool = False


@dataclass
class LanguageRules:
    """The matchers for one language and what their match keys mean."""

    lang: str
    nlp: Language
    phrases: PhraseMatcher
    tokens: Matcher | None
    rules: dict[str, CompiledRule] = field(default_factory=dict)
    # match key (hash) -> (rule id, role) where role is "hit", "unless" or "term:i"
    keys: dict[int, tuple[str, str]] = field(default_factory=dict)


def rule_id(code: str, lang: str, index: int, explicit: str | None) -> str:
    return explicit or f"{code}.{lang}.{index + 1}"


def _translate_pattern(pattern: list[dict[str, Any]], nlp: Language) -> list[dict[str, Any]]:
    from qualcode.autocode.pipeline import norm_of

    out = []
    for tok in pattern:
        if not isinstance(tok, dict):
            raise ValueError("each token of a pattern must be a mapping such as {LOWER: word}")
        new = {}
        for key, value in tok.items():
            if str(key).upper() == "LEMMA":
                if isinstance(value, str):
                    value = norm_of(nlp, value)
                elif isinstance(value, dict):
                    value = {k: ([norm_of(nlp, v) for v in vs] if isinstance(vs, list) else vs)
                             for k, vs in value.items()}
                new["NORM"] = value
            else:
                new[key] = value
        out.append(new)
    return out


def compile_language(book: Codebook, lang: str, settings: Settings | None = None,
                     codes: set[str] | None = None,
                     skip: set[tuple[str, str, int]] | None = None) -> LanguageRules:
    """Build the matchers for one language; a bad rule raises CodebookError naming it.
    `skip`: (code, language, index) of rules already reported as invalid (the codebook
    is then not validated again)."""
    from spacy.matcher import Matcher, PhraseMatcher

    from qualcode.autocode.pipeline import make_nlp, matchable

    if skip is None:
        validate_rules(book)
    package = (settings.pipelines.get(lang) if settings else None) or None
    nlp = make_nlp(lang, package)
    phrases = PhraseMatcher(nlp.vocab, attr="NORM")
    tokens = Matcher(nlp.vocab, validate=True)
    compiled = LanguageRules(lang=lang, nlp=nlp, phrases=phrases, tokens=None)
    problems = []

    def add_phrase(key: str, text: str, rid: str, role: str) -> None:
        doc = nlp.make_doc(matchable(text.strip()))
        phrases.add(key, [doc])
        compiled.keys[nlp.vocab.strings[key]] = (rid, role)

    for code, _, _ in book.walk():
        if codes is not None and code.id not in codes:
            continue
        for i, rule in enumerate(code.rules.get(lang, [])):
            if skip and (code.id, lang, i) in skip:
                continue
            rid = rule_id(code.id, lang, i, rule.id)
            where = (f"{code.file}:{rule._line or code.line}: code {code.id}: rule {rid} "
                     f"({rule.describe()})")
            if rid in compiled.rules:
                problems.append(f"{where}: duplicate rule id")
                continue
            cr = CompiledRule(id=rid, code=code.id, kind=rule.kind, within=rule.within,
                              has_unless=bool(rule.unless))
            if rule.phrase:
                add_phrase(f"{rid}|hit", rule.phrase, rid, "hit")
            elif rule.near:
                cr.n_terms = len(rule.near)
                for j, term in enumerate(rule.near):
                    add_phrase(f"{rid}|term{j}", term, rid, f"term:{j}")
            else:
                try:
                    tokens.add(f"{rid}|hit", [_translate_pattern(rule.pattern or [], nlp)])
                except (ValueError, TypeError, KeyError, re.error) as exc:
                    reason = " ".join(str(exc).split())[:200]
                    problems.append(f"{where}: invalid token pattern - {reason}")
                    continue
                compiled.keys[nlp.vocab.strings[f"{rid}|hit"]] = (rid, "hit")
                compiled.tokens = tokens
            for term in rule.unless:
                add_phrase(f"{rid}|unless", term, rid, "unless")
            compiled.rules[rid] = cr
    if problems:
        raise CodebookError(problems)
    return compiled


def check_rules(book: Codebook, settings: Settings | None = None) -> None:
    """Check every rule and compile every language's rules once; raise CodebookError
    listing every problem, each once."""
    langs = sorted({lang for c, _, _ in book.walk() for lang in c.rules})
    invalid = rule_problems(book)
    problems: list[str] = [p for found in invalid.values() for p in found]
    unknown = {lang for (_, lang, i) in invalid if i == -1}  # languages spaCy lacks
    for lang in (x for x in langs if x not in unknown):
        try:
            compile_language(book, lang, settings, skip=set(invalid))
        except CodebookError as exc:
            problems.extend(exc.problems)
    if problems:
        raise CodebookError(problems)
