"""`qualcode autocode`: suggestions for every respondent turn, stored without touching
anything a person did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode import datasets
from qualcode.autocode.match import UNITS, Suggestion, match_turns
from qualcode.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.workspace import Workspace

DOC_BATCH = 100


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
    source: str = "rules"  # rules | model | both | codebook
    notes: list[str] = field(default_factory=list)  # e.g. the model is older than decisions

    def table(self) -> pd.DataFrame:
        import pandas as pd

        rows = [{"code": c, **v} for c, v in sorted(self.per_code.items())]
        return pd.DataFrame(rows, columns=["code", "suggested", "added", "removed", "kept"])


def autocode(
    ws: Workspace,
    codes: list[str] | None = None,
    documents: list[str] | None = None,
    unit: str = "sentence",
    dry_run: bool = False,
    accept: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    source: str | None = None,
) -> AutocodeResult:
    """Apply the codebook's rules (and the learned model: `source` rules, model or both;
    default both when a model has been trained) to respondent turns; store suggestions.
    `source="codebook"`: suggestions from the codes' descriptions and examples alone
    (qualcode.learn.coldstart; no coding needed), which replace only earlier codebook
    suggestions, as the other sources leave them alone.

    Re-running replaces only unreviewed auto suggestions; accepted and rejected ones,
    and every manual coding, stay as they are. A rejected span is not suggested again.
    A suggestion records where it came from: its rule, or `model` with the score (a
    rule suggestion the model agrees with carries the score too).
    """
    import pandas as pd

    from qualcode.autocode.rules import compile_language
    from qualcode.search.index import IndexWriter
    from qualcode.store.codes import sync_codes
    from qualcode.store.codings import apply_suggestions
    from qualcode.store.documents import (
        document_briefs,
        document_index,
        document_texts,
        turn_rows,
    )
    from qualcode.store.units import batch_locators

    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} - use sentence, turn or match")
    source, model = _source(ws, source)
    result_notes = [] if model is None else _model_notes(ws, model)
    book = ws.codebook
    from qualcode.codebook import validate_rules

    validate_rules(book)  # a bad rule is an error even before any document is imported
    if not book.codes:
        raise UsageError("the codebook has no codes - nothing to suggest (the suggestions "
                         "already made are kept); add codes to codebook/*.yaml")
    selected: set[str] | None = None
    if codes:
        book.check_ids(codes)
        selected = {d for c in codes for d in book.descendants(c)}
    engine = ws.engine
    with engine.connect() as conn:
        docs = document_briefs(conn, documents)
    if documents:
        missing = sorted(set(documents) - {d.id for d in docs})
        if missing:
            raise UsageError(f"unknown document(s) {', '.join(missing)} - see qualcode status")
    compiled: dict[str, Any] = {}
    result = AutocodeResult(suggestions=pd.DataFrame(), source=source, notes=result_notes)
    from_book = _codebook_frame(ws, documents, unit) if source == "codebook" else None
    frames = []
    coder = ws.coder if accept else None
    remove: list[int] = []
    add: list[dict[str, Any]] = []
    rescore: list[tuple[int, float | None]] = []
    if accept:
        ws.require_coder()
    writer = IndexWriter(ws)  # the search index of respondent turns, on the way
    for i in range(0, len(docs), DOC_BATCH):
        batch = docs[i : i + DOC_BATCH]
        found: list[Suggestion] = []
        by_lang: dict[str, list[str]] = {}
        for d in batch:
            by_lang.setdefault(d.language, []).append(d.id)
        ids_ = [d.id for d in batch]
        with engine.connect() as conn:
            texts = document_texts(conn, ids_)
            turn_rows_ = turn_rows(conn, ids_, role="respondent")
            turn_of = batch_locators(conn, ids_)
            stamps = {r.id: r.hash for r in document_index(conn, ids_).values()}
        writer.want(batch, stamps, ((r.document_id, r.idx, r.start, r.end)
                                    for r in turn_rows_))
        turns_by_doc: dict[str, list[tuple[int, int]]] = {}
        for r in turn_rows_:
            turns_by_doc.setdefault(r.document_id, []).append((r.start, r.end))
        sentences: list[tuple[str, int, int]] = []  # seen on the way, for the model
        segmented: set[str] = set()
        for lang, ids in by_lang.items():
            if lang not in compiled:
                compiled[lang] = compile_language(book, lang, ws.settings, selected)
            lr = compiled[lang]
            if not lr.rules or source in ("model", "codebook"):
                continue
            items = [(doc_id, s, texts[doc_id][s:e]) for doc_id in ids
                     for s, e in turns_by_doc.get(doc_id, [])]
            found.extend(match_turns(lr, items, unit, sentences_out=sentences
                                     if model is not None else None,
                                     tokens_out=writer.add))
            segmented |= set(ids)
        writer.flush({lang: compiled[lang].nlp.vocab.strings for lang in by_lang
                      if lang in compiled})
        if model is not None:
            found = _with_model(ws, model, found, ids_, selected, source,
                                {d.id: d.language for d in batch}, sentences, segmented,
                                texts)
        if from_book is not None:
            found = _book_found(from_book, ids_, selected, {d.id: d.language for d in batch})
        _diff(ws, batch, found, selected, result, texts, turn_of, remove, add,
              own=CODEBOOK if source == "codebook" else None, rescore=rescore)
        frames.append(pd.DataFrame([s.__dict__ for s in found]))
        result.documents += len(batch)
        result.words += sum(d.respondent_words for d in batch)
        if progress:
            progress(min(i + DOC_BATCH, len(docs)), len(docs), "")
    writer.finish()
    cols = ["document", "start", "end", "code", "rule", "matched", "language", "score"]
    result.suggestions = (pd.concat(frames, ignore_index=True) if frames
                          else pd.DataFrame(columns=cols))
    if result.suggestions.empty:
        result.suggestions = pd.DataFrame(columns=cols)
    if not dry_run:
        # one transaction for the whole run: a killed run leaves the store as it was
        with engine.begin() as conn:
            sync_codes(conn, book)
            apply_suggestions(conn, remove, add, coder, ws.coder, {
                "unit": unit, "source": source, "codes": codes or "all",
                "documents": result.documents,
                "added": result.added, "removed": result.removed, "kept": result.kept,
                "accepted_directly": accept}, rescore=rescore)
    return result


def _diff(ws: Workspace, batch: list, found: list[Suggestion], selected: set[str] | None,
          result: AutocodeResult, texts: dict[str, str], turn_of: dict[str, Any],
          remove: list[int], add: list[dict[str, Any]], own: str | None = None,
          rescore: list[tuple[int, float | None]] | None = None) -> None:
    """Diff new suggestions against the stored auto codings of a batch; collect the change
    (ids to remove, rows to add, kept suggestions whose model score changed) and count
    it. Codebook suggestions belong to codebook runs only (`own="codebook"`): other runs
    neither replace nor repeat them (nor count them as decided), and a codebook run
    leaves every other suggestion as it is."""
    from qualcode.store.codings import auto_codings

    with ws.engine.connect() as conn:
        existing = auto_codings(conn, [d.id for d in batch], selected)
    # a suggestion is known by the span the auto-coder proposed; one a person decided,
    # widened or narrowed is never proposed again nor removed
    suggested: dict[tuple, int] = {}
    old_score: dict[int, float | None] = {}
    decided: set[tuple] = set()
    others: set[tuple] = set()  # unreviewed suggestions of the other kind of run
    for r in existing:
        touched = r.proposed_start is not None
        key = (r.document_id, r.proposed_start if touched else r.start,
               r.proposed_end if touched else r.end, r.proposed_code or r.code_id)
        mine = (getattr(r, "rule", None) == CODEBOOK) == (own == CODEBOOK)
        if r.status == "suggested" and not touched and mine:
            suggested[key] = r.id
            old_score[r.id] = r.score
        elif r.status == "suggested" and not touched:
            others.add(key)
        else:
            decided.add(key)
    new_keys: dict[tuple, Suggestion] = {}
    for s in found:
        key = (s.document, s.start, s.end, s.code)
        if key in decided:
            result.skipped_decided += 1
            continue
        if key in others:
            continue
        new_keys.setdefault(key, s)
    empty = dict(suggested=0, added=0, removed=0, kept=0)
    for k, s in new_keys.items():
        pc = result.per_code.setdefault(s.code, dict(empty))
        pc["suggested"] += 1
        pc["added" if k not in suggested else "kept"] += 1
    for k, i in suggested.items():
        if k not in new_keys:
            result.per_code.setdefault(k[3], dict(empty))["removed"] += 1
            remove.append(i)
    for k, s in new_keys.items():
        if k in suggested:
            result.kept += 1
            if rescore is not None and old_score.get(suggested[k]) != s.score:
                rescore.append((suggested[k], s.score))
            continue
        speaker, case, unit = turn_of[s.document](s.start)
        add.append(dict(document_id=s.document, start=s.start, end=s.end,
                        text=texts[s.document][s.start:s.end], code_id=s.code,
                        speaker=speaker, case_id=case, unit_id=unit, rule=s.rule,
                        matched=s.matched, language=s.language, score=s.score))
        result.added += 1
    result.removed = len(remove)


SOURCES = ("rules", "model", "both", "codebook")
CODEBOOK = "codebook"


def _source(ws: Workspace, source: str | None) -> tuple[str, Any]:
    """The source to use and the trained model it needs (None for rules)."""
    from qualcode.learn.persist import load_model, read_card

    if source is not None and source not in SOURCES:
        raise UsageError(f"unknown source {source!r} - use rules, model, both or codebook")
    has_model = read_card(ws) is not None
    if source is None:
        source = "both" if has_model else "rules"
    if source in ("rules", CODEBOOK):
        return source, None
    if not has_model:
        raise UsageError(f"--source {source} needs a trained model - run qualcode train "
                         "first")
    return source, load_model(ws)


def _model_notes(ws: Workspace, model: Any) -> list[str]:
    from qualcode.learn.persist import model_status

    status = model_status(ws)
    return [f"the model is older than the latest decisions - {status['message']}"] \
        if status.get("stale") else []


def _with_model(ws: Workspace, model: Any, found: list[Suggestion], documents: list[str],
                selected: set[str] | None, source: str, languages: dict[str, str],
                sentences: list[tuple[str, int, int]], segmented: set[str],
                texts: dict[str, str]) -> list[Suggestion]:
    """Add the model's suggestions for these documents' respondent sentences (those the
    rule matching segmented, the others segmented now); a rule suggestion of the same
    span and code takes the model's score."""
    import pandas as pd

    from qualcode.learn.predict import predict_sentences

    frame = pd.DataFrame(sentences, columns=["document", "start", "end"])
    rest = [d for d in documents if d not in segmented]
    if rest:
        frame = pd.concat([frame, datasets.sentences(ws, rest)], ignore_index=True)
    docs = pd.DataFrame([(d, languages[d], texts[d]) for d in documents],
                        columns=["document", "language", "text"])
    turns = datasets.turns(ws, documents) if model.context else None
    predicted = predict_sentences(model, frame, docs, with_rules=source == "both",
                                  turns=turns)
    from dataclasses import replace

    by_key: dict[tuple, Suggestion] = {}
    for s in found:
        by_key.setdefault((s.document, s.start, s.end, s.code), s)
    extra = []
    for doc, start, end, code, score in predicted[["document", "start", "end", "code",
                                                   "score"]].itertuples(index=False):
        if selected is not None and code not in selected:
            continue
        key = (doc, int(start), int(end), code)
        if key in by_key:
            by_key[key] = replace(by_key[key], score=float(score))
        else:
            extra.append(Suggestion(doc, int(start), int(end), code, "model", "",
                                    languages[doc], float(score)))
    return [by_key.get((s.document, s.start, s.end, s.code), s) for s in found] + extra


def _codebook_frame(ws: Workspace, documents: list[str] | None, unit: str) -> Any:
    """All codebook suggestions of the run (scored once over the project's sentences)."""
    from qualcode.learn.coldstart import codebook_suggestions

    if unit != "sentence":
        raise UsageError("--source codebook suggests sentences - use --unit sentence")
    return codebook_suggestions(ws, documents)


def _book_found(frame: Any, documents: list[str], selected: set[str] | None,
                languages: dict[str, str]) -> list[Suggestion]:
    rows = frame[frame["document"].isin(documents)]
    return [Suggestion(d, int(a), int(b), code, CODEBOOK, matched, languages[d], float(z))
            for d, a, b, code, z, matched in rows[["document", "start", "end", "code",
                                                    "score", "matched"]].itertuples(index=False)
            if selected is None or code in selected]
