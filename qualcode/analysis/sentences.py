"""Sentences of respondent speech, segmented exactly as auto-coding segments them (the
same spaCy pipelines; sentences over 100 tokens cut into pieces of at most 60)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def sentence_spans(documents: pd.DataFrame, turns: pd.DataFrame,
                   pipelines: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per sentence of the given turns: document, start, end (offsets into the
    document's text). `documents`: document, language, text; `turns`: document, start,
    end (respondent turns); `pipelines`: spaCy packages per language (default: blank)."""
    import pandas as pd

    from qualcode.autocode.pipeline import doc_sentence_spans, make_nlp, matchable

    pipelines = pipelines or {}
    by_doc: dict[str, list[tuple[int, int]]] = {}
    for doc, s, e in turns[["document", "start", "end"]].itertuples(index=False):
        by_doc.setdefault(doc, []).append((int(s), int(e)))
    rows = []
    for doc, language, text in documents[["document", "language", "text"]].sort_values(
            "document").itertuples(index=False):
        nlp = make_nlp(language, pipelines.get(language))
        spans = sorted(by_doc.get(doc, []))
        texts = (matchable(text[s:e]) for s, e in spans)
        for (offset, _), parsed in zip(spans, nlp.pipe(texts), strict=True):
            # the sentences auto-coding sees: over-long ones cut into bounded pieces
            rows.extend((doc, offset + a, offset + b) for a, b in doc_sentence_spans(parsed))
    return pd.DataFrame(rows, columns=["document", "start", "end"])
