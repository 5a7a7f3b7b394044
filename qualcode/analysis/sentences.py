"""Sentences of respondent speech, segmented with the same spaCy pipelines as auto-coding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from qualcode.store import schema as t

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.project import Project


def respondent_sentences(project: Project, documents: list[str] | None = None
                         ) -> pd.DataFrame:
    """One row per sentence of respondent speech: document, start, end (stored offsets)."""
    import pandas as pd

    from qualcode.autocode.pipeline import make_nlp, matchable

    q = select(t.documents.c.id, t.documents.c.language, t.documents.c.text)
    if documents:
        q = q.where(t.documents.c.id.in_(documents))
    rows = []
    with project.engine.connect() as conn:
        docs = conn.execute(q.order_by(t.documents.c.id)).all()
        turns = conn.execute(select(t.turns.c.document_id, t.turns.c.start, t.turns.c.end)
                             .where(t.turns.c.role == "respondent")).all()
    by_doc: dict[str, list[tuple[int, int]]] = {}
    for r in turns:
        by_doc.setdefault(r.document_id, []).append((r.start, r.end))
    for doc in docs:
        nlp = make_nlp(doc.language, project.settings.pipelines.get(doc.language))
        spans = sorted(by_doc.get(doc.id, []))
        texts = (matchable(doc.text[s:e]) for s, e in spans)
        for (offset, _), parsed in zip(spans, nlp.pipe(texts), strict=True):
            for sent in parsed.sents:
                a, b = sent.start_char, sent.end_char
                while b > a and parsed.text[b - 1].isspace():
                    b -= 1
                if b > a:
                    rows.append((doc.id, offset + a, offset + b))
    return pd.DataFrame(rows, columns=["document", "start", "end"])
