"""spaCy pipelines that work offline: blank + sentencizer + lookup lemmas as NORM.

Lemmas come from spacy-lookups-data's lookup table (context-free, like spaCy's
"lookup" lemmatizer). They are set on the vocabulary's lexemes as the NORM
attribute (lower-cased), so each word form is lemmatised once and matching on
NORM is case-insensitive and lemma-based at the cost of the tokenizer alone.
"""

from __future__ import annotations

import os
import pickle
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# same-length substitutions that keep offsets: curly apostrophes, odd spaces, line breaks
_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "\u00a0": " ", "\u202f": " ", "\n": " ",
                            "\t": " "})


@lru_cache(maxsize=1)
def supported_languages() -> tuple[str, ...]:
    """The language codes spaCy has tokenizer rules for (`xx` is multilingual), read
    from the installed package without importing it; empty if spaCy is not found."""
    import importlib.util

    spec = importlib.util.find_spec("spacy")
    if spec is None or spec.origin is None:
        return ()
    folder = Path(spec.origin).parent / "lang"
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.name for p in folder.iterdir()
                        if p.is_dir() and (p / "__init__.py").is_file()))


def matchable(text: str) -> str:
    """The text as the matcher sees it: same length, same offsets."""
    return text.translate(_TRANSLATE)


# --- bounded sentences -------------------------------------------------------------
# Speech-recognition output can be one "sentence" of thousands of words. A sentence of
# more than MAX_SENTENCE_TOKENS tokens is cut into pieces of at most PIECE_TOKENS tokens
# (evenly, preferably after a comma or similar mark), and a piece is then what a
# sentence is everywhere else: the span of a suggestion, the scope of `unless`, the
# unit of sentence-level agreement. docs/codebook.md says so to users.
MAX_SENTENCE_TOKENS = 100
PIECE_TOKENS = 60
_SOFT_BREAKS = frozenset({",", ";", ":", "—", "–", "-", "…"})


def bounded_sentences(doc: Doc, max_tokens: int = MAX_SENTENCE_TOKENS,
                      piece: int = PIECE_TOKENS) -> list[tuple[int, int]]:
    """(start, end) token ranges of the doc's sentences, over-long ones cut into pieces;
    linear in the length of the doc."""
    out: list[tuple[int, int]] = []
    for sent in doc.sents:
        a, b = sent.start, sent.end
        if b - a <= max_tokens:
            out.append((a, b))
            continue
        size = -(-(b - a) // -(-(b - a) // piece))  # even pieces of at most `piece`
        pos = a
        while pos < b:
            end = min(b, pos + size)
            if end < b:
                for k in range(end, pos + size // 2, -1):
                    if doc[k - 1].text in _SOFT_BREAKS:
                        end = k
                        break
            out.append((pos, end))
            pos = end
    return out


def sentence_index(doc: Doc, sentences: list[tuple[int, int]]) -> list[int]:
    """For each token of the doc, the index of its (bounded) sentence."""
    index = [0] * len(doc)
    for i, (a, b) in enumerate(sentences):
        index[a:b] = [i] * (b - a)
    return index


def char_span(doc: Doc, start: int, end: int, text: str | None = None) -> tuple[int, int]:
    """Character offsets of tokens start..end-1, white space trimmed at both ends.
    `text`: the doc's text, if the caller has it (spaCy rebuilds `doc.text` each time)."""
    text = doc.text if text is None else text
    a = doc[start].idx
    b = doc[end - 1].idx + len(doc[end - 1].text) if end > start else a
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def doc_sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """Character spans of a parsed doc's bounded sentences (empty ones left out)."""
    text = doc.text
    spans = (char_span(doc, a, b, text) for a, b in bounded_sentences(doc))
    return [(a, b) for a, b in spans if b > a]


def sentence_spans(nlp: Language, text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text` as auto-coding sees them: segmented
    by `nlp` (see make_nlp), over-long sentences cut into pieces (bounded_sentences),
    white space trimmed. Offsets are into `text`."""
    return doc_sentence_spans(nlp(matchable(text)))


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
        nlp = _blank_pipeline(lang)
    # the 1,000,000-character limit guards parser/NER memory; tokenizer and sentencizer
    # are linear, and a transcript without labels is one (possibly very long) turn
    nlp.max_length = 50_000_000
    lemma = _lemma_function(lang)
    nlp.vocab.lex_attr_getters[NORM] = lemma
    for lex in list(nlp.vocab):
        lex.norm_ = lemma(lex.orth_)
    return nlp


def cache_dir() -> Path:
    """Where built pipelines are cached: $QUALCODE_CACHE, else ~/.cache/qualcode."""
    base = os.environ.get("QUALCODE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "qualcode")
    import spacy

    return Path(base) / f"spacy-{spacy.__version__}"


def _blank_pipeline(lang: str) -> Language:
    """A blank pipeline with `lang`'s tokenizer rules + sentencizer, built fast.

    spaCy's French tokenizer compiles a regex of hyphenated compounds that costs ~5 s
    in every process. We build each language's tokenizer once, keep its bytes in the
    cache, and load them into a multi-language pipeline without that `token_match`
    regex: prefixes, suffixes, infixes (French elision) and exceptions are the
    language's own; hyphenated compounds are split into parts (docs/decisions.md).
    """
    import spacy

    path = cache_dir() / f"tokenizer-{lang}"
    if not path.is_file():
        try:
            built = spacy.blank(lang)
        except ImportError as exc:
            raise QualcodeError(f"spaCy's {lang!r} tokenizer needs another package - "
                                f"{' '.join(str(exc).split())[:200]}") from None
        except KeyError:
            raise QualcodeError(f"no spaCy language {lang!r} - use an ISO code such as en, "
                                "fr, de, es, pt, ar") from None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            built.tokenizer.to_disk(tmp)
            os.replace(tmp, path)
        except OSError:
            built.add_pipe("sentencizer")
            return built  # a read-only cache only costs time
    nlp = spacy.blank("xx")
    nlp.tokenizer.from_disk(path, exclude=["token_match"])
    nlp.add_pipe("sentencizer")
    return nlp


def _lemma_table(lang: str) -> dict[str, str] | None:
    """The lookup lemma table of spacy-lookups-data as a dict (cached as a pickle)."""
    path = cache_dir() / f"lemma-{lang}.pickle"
    if path.is_file():
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)  # noqa: S301 - our own cache file
        except Exception:  # noqa: BLE001
            pass
    try:
        import srsly
        from spacy.util import registry

        source = registry.lookups.get(lang).get("lemma_lookup")
    except Exception:  # noqa: BLE001 - no lookups package or no table for this language
        return None
    if source is None:
        return None
    source = Path(source)
    if not source.exists() and source.with_suffix(".json.gz").exists():
        source = source.with_suffix(".json.gz")
    raw = srsly.read_gzip_json(source) if source.suffix == ".gz" else srsly.read_json(source)
    data = {}
    for key, value in raw.items():
        if isinstance(value, list):
            value = value[0] if value else None
        if value:
            data[str(key)] = str(value)
    from qualcode.outputs import write_cache

    write_cache(path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    return data


def _lemma_function(lang: str):  # noqa: ANN202
    table = _lemma_table(lang)

    def lemma(form: str) -> str:
        low = form.lower()
        if table is None:
            return low
        return (table.get(low) or table.get(form) or low).lower()

    return lemma


def norm_of(nlp: Language, word: str) -> str:
    """The NORM (lower-cased lookup lemma) of one word."""
    return nlp.vocab[word].norm_
