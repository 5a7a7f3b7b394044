"""`qualcode autocode`: suggestions for every respondent turn, stored without touching
anything a person did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select

from qualcode.autocode.match import UNITS, Suggestion, match_turns
from qualcode.errors import UsageError
from qualcode.store import schema as t
from qualcode.turnmap import locator

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.project import Project

AUTO_CODER = "auto"
DOC_BATCH = 100
_CHUNK = 500


@dataclass
class AutocodeResult:
    suggestions: pd.DataFrame
    added: int = 0
    removed: int = 0
    kept: int = 0
    skipped_decided: int = 0
    documents: int = 0
    words: int = 0
    per_code: dict[str, dict[str, int]] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        import pandas as pd

        rows = [{"code": c, **v} for c, v in sorted(self.per_code.items())]
        return pd.DataFrame(rows, columns=["code", "suggested", "added", "removed", "kept"])


def autocode(
    project: Project,
    codes: list[str] | None = None,
    documents: list[str] | None = None,
    unit: str = "sentence",
    dry_run: bool = False,
    accept: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> AutocodeResult:
    """Apply the codebook's rules to respondent turns and store suggestions.

    Re-running replaces only unreviewed auto suggestions; accepted and rejected ones,
    and every manual coding, stay as they are. A rejected span is not suggested again.
    """
    import pandas as pd

    from qualcode.autocode.rules import compile_language
    from qualcode.importer import log_event, now, sync_codes

    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} - use sentence, turn or match")
    book = project.codebook
    selected: set[str] | None = None
    if codes:
        book.check_ids(codes)
        selected = {d for c in codes for d in book.descendants(c)}
    engine = project.engine
    with engine.begin() as conn:
        if not dry_run:
            sync_codes(conn, book)
        q = select(t.documents.c.id, t.documents.c.language, t.documents.c.respondent_words)
        if documents:
            q = q.where(t.documents.c.id.in_(documents))
        docs = conn.execute(q.order_by(t.documents.c.id)).all()
    if documents:
        missing = sorted(set(documents) - {d.id for d in docs})
        if missing:
            raise UsageError(f"unknown document(s) {', '.join(missing)} - see qualcode status")
    compiled: dict[str, Any] = {}
    result = AutocodeResult(suggestions=pd.DataFrame())
    frames = []
    stamp = now()
    coder = project.coder if accept else None
    if accept:
        project.require_coder()
    for i in range(0, len(docs), DOC_BATCH):
        batch = docs[i : i + DOC_BATCH]
        found: list[Suggestion] = []
        by_lang: dict[str, list[str]] = {}
        for d in batch:
            by_lang.setdefault(d.language, []).append(d.id)
        with engine.connect() as conn:
            texts = dict(conn.execute(select(t.documents.c.id, t.documents.c.text)
                                      .where(t.documents.c.id.in_([d.id for d in batch]))).all())
            turn_rows = conn.execute(
                select(t.turns.c.document_id, t.turns.c.start, t.turns.c.end,
                       t.turns.c.speaker, t.turns.c.case_id)
                .where(t.turns.c.document_id.in_([d.id for d in batch]),
                       t.turns.c.role == "respondent")
                .order_by(t.turns.c.document_id, t.turns.c.idx)).all()
            units: dict[str, dict[str, int]] = {}
            for d, case, uid in conn.execute(select(t.units.c.document_id, t.units.c.case_id,
                                                    t.units.c.id)
                                             .where(t.units.c.document_id.in_(list(texts)))):
                units.setdefault(d, {})[case] = uid
        turns_by_doc: dict[str, list[tuple[int, int]]] = {}
        speakers: dict[tuple[str, int], tuple[str | None, str | None]] = {}
        for r in turn_rows:
            turns_by_doc.setdefault(r.document_id, []).append((r.start, r.end))
            speakers[(r.document_id, r.start)] = (r.speaker, r.case_id)
        for lang, ids in by_lang.items():
            if lang not in compiled:
                compiled[lang] = compile_language(book, lang, project.settings, selected)
            lr = compiled[lang]
            if not lr.rules:
                continue
            items = [(doc_id, s, texts[doc_id][s:e]) for doc_id in ids
                     for s, e in turns_by_doc.get(doc_id, [])]
            found.extend(match_turns(lr, items, unit))
        turn_of = {d: locator([(s, e, *speakers[(d, s)]) for s, e in spans], units.get(d))
                   for d, spans in turns_by_doc.items()}
        _apply(project, batch, found, selected, result, dry_run, stamp, coder, texts, turn_of)
        frames.append(pd.DataFrame([s.__dict__ for s in found]))
        result.documents += len(batch)
        result.words += sum(d.respondent_words for d in batch)
        if progress:
            progress(min(i + DOC_BATCH, len(docs)), len(docs), "")
    cols = ["document", "start", "end", "code", "rule", "matched", "language"]
    result.suggestions = (pd.concat(frames, ignore_index=True) if frames
                          else pd.DataFrame(columns=cols))
    if result.suggestions.empty:
        result.suggestions = pd.DataFrame(columns=cols)
    if not dry_run:
        with engine.begin() as conn:
            log_event(conn, project.coder, "autocode", None, {
                "unit": unit, "codes": codes or "all", "documents": result.documents,
                "added": result.added, "removed": result.removed, "kept": result.kept,
                "accepted_directly": accept})
    return result


def _apply(project: Project, batch: list, found: list[Suggestion], selected: set[str] | None,
           result: AutocodeResult, dry_run: bool, stamp: Any, coder: str | None,
           texts: dict[str, str], turn_of: dict[str, Any]) -> None:
    """Diff new suggestions against stored auto codings of the batch; write the change."""
    c = t.codings.c
    ids = [d.id for d in batch]
    with project.engine.begin() as conn:
        q = select(c.id, c.document_id, c.start, c.end, c.code_id, c.status).where(
            c.document_id.in_(ids), c.origin == "auto")
        if selected is not None:
            q = q.where(c.code_id.in_(selected))
        existing = conn.execute(q).all()
        suggested = {(r.document_id, r.start, r.end, r.code_id): r.id for r in existing
                     if r.status == "suggested"}
        decided = {(r.document_id, r.start, r.end, r.code_id) for r in existing
                   if r.status != "suggested"}
        new_keys: dict[tuple, Suggestion] = {}
        for s in found:
            key = (s.document, s.start, s.end, s.code)
            if key in decided:
                result.skipped_decided += 1
                continue
            new_keys.setdefault(key, s)
        to_remove = [i for k, i in suggested.items() if k not in new_keys]
        to_add = [s for k, s in new_keys.items() if k not in suggested]
        kept = len(new_keys) - len(to_add)
        for k, s in new_keys.items():
            pc = result.per_code.setdefault(s.code, dict(suggested=0, added=0, removed=0,
                                                         kept=0))
            pc["suggested"] += 1
            pc["added" if k not in suggested else "kept"] += 1
        for k, _ in ((k, i) for k, i in suggested.items() if k not in new_keys):
            pc = result.per_code.setdefault(k[3], dict(suggested=0, added=0, removed=0, kept=0))
            pc["removed"] += 1
        result.added += len(to_add)
        result.removed += len(to_remove)
        result.kept += kept
        if dry_run:
            return
        for j in range(0, len(to_remove), _CHUNK):
            conn.execute(delete(t.codings).where(c.id.in_(to_remove[j : j + _CHUNK]),
                                                 c.status == "suggested"))
        if to_add:
            status = "accepted" if coder else "suggested"
            conn.execute(insert(t.codings), [
                dict(document_id=s.document, start=s.start, end=s.end,
                     text=texts[s.document][s.start:s.end], code_id=s.code, coder=AUTO_CODER,
                     speaker=turn_of[s.document](s.start)[0],
                     case_id=turn_of[s.document](s.start)[1],
                     unit_id=turn_of[s.document](s.start)[2],
                     origin="auto", status=status, rule=s.rule, matched=s.matched,
                     language=s.language, anchor="ok", source=None, created_at=stamp,
                     updated_at=stamp, decided_by=coder, decided_at=stamp if coder else None)
                for s in to_add
            ])
