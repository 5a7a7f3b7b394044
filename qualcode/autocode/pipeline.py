"""spaCy pipelines that work offline: blank + sentencizer + lookup lemmas as NORM.

Lemmas come from spacy-lookups-data's lookup table (context-free, like spaCy's
"lookup" lemmatizer). They are set on the vocabulary's lexemes as the NORM
attribute (lower-cased), so each word form is lemmatised once and matching on
NORM is case-insensitive and lemma-based at the cost of the tokenizer alone.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from spacy.language import Language

# same-length substitutions that keep offsets: curly apostrophes, odd spaces, line breaks
_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "\u00a0": " ", "\u202f": " ", "\n": " ",
                            "\t": " "})


def matchable(text: str) -> str:
    """The text as the matcher sees it: same length, same offsets."""
    return text.translate(_TRANSLATE)


@lru_cache(maxsize=16)
def make_nlp(lang: str, package: str | None = None) -> Language:
    """A pipeline for `lang`: the named package if given, else spacy.blank + sentencizer."""
    import spacy
    from spacy.attrs import NORM

    if package:
        try:
            nlp = spacy.load(package, exclude=["ner", "parser"])
        except OSError:
            raise QualcodeError(f"spaCy pipeline {package!r} (for {lang}) is not installed - "
                                "pip install it, or remove it from qualcode.toml") from None
        if "senter" in nlp.pipe_names:
            nlp.enable_pipe("senter")
        elif "sentencizer" not in nlp.pipe_names:
            nlp.add_pipe("sentencizer")
    else:
        try:
            nlp = spacy.blank(lang)
        except (ImportError, KeyError):
            raise QualcodeError(f"no spaCy language {lang!r} - use an ISO code such as en, fr, "
                                "de, es, pt, ar") from None
        nlp.add_pipe("sentencizer")
    lemma = _lemma_function(lang)
    nlp.vocab.lex_attr_getters[NORM] = lemma
    for lex in list(nlp.vocab):
        lex.norm_ = lemma(lex.orth_)
    return nlp


def _lemma_function(lang: str):  # noqa: ANN202
    try:
        from spacy.lookups import load_lookups

        table = load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
    except (ValueError, KeyError, ImportError):
        table = None

    def lemma(form: str) -> str:
        low = form.lower()
        if table is None:
            return low
        value = table.get(low) or table.get(form) or low
        if isinstance(value, list):
            value = value[0] if value else low
        return str(value).lower()

    return lemma


def norm_of(nlp: Language, word: str) -> str:
    """The NORM (lower-cased lookup lemma) of one word."""
    return nlp.vocab[word].norm_
