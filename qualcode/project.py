"""The project handle: where the folder is, its settings, its store, the current coder.

Every method mirrors a CLI command and returns data (mostly pandas DataFrames).
Heavy libraries are imported inside the functions that need them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.workspace import Workspace, check_coder_name, find_root, open_workspace

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

    from qualcode.codebook import Codebook
    from qualcode.settings import Settings

__all__ = ["Project", "check_coder_name", "find_root", "open_project"]


@dataclass
class Project:
    """A qualcode project: the Python API. It holds a `Workspace` (folder, settings,
    store, codebook, coder) and each method calls one library function with it."""

    workspace: Workspace

    @property
    def root(self) -> Path:
        return self.workspace.root

    @property
    def settings(self) -> Settings:
        return self.workspace.settings

    @property
    def db_url(self) -> str:
        return self.workspace.db_url

    @property
    def coder(self) -> str | None:
        return self.workspace.coder

    @coder.setter
    def coder(self, name: str | None) -> None:
        self.workspace.coder = name

    @property
    def codebook_dir(self) -> Path:
        return self.workspace.codebook_dir

    @property
    def interviews_dir(self) -> Path:
        return self.workspace.interviews_dir

    @property
    def engine(self) -> Engine:
        """The store's engine; the schema is created or upgraded on first use."""
        return self.workspace.engine

    @property
    def codebook(self) -> Codebook:
        """The codebook loaded from `codebook/*.yaml` (validated); read again when a
        codebook file changes, so a notebook sees edits without reopening the project."""
        return self.workspace.codebook

    @property
    def full_codebook(self) -> Codebook:
        """The codebook with its retired codes (`codebook` leaves them out)."""
        return self.workspace.full_codebook

    def require_coder(self) -> str:
        """The current coder's name, or an error for commands that write."""
        return self.workspace.require_coder()

    def close(self) -> None:
        self.workspace.close()

    # --- commands (each a thin call into one module) ---------------------------------
    def import_interviews(self, paths: list[Path] | None = None, progress: Any = None):
        """Bring transcripts (and coders' CSV codings) into the store. See `qualcode import`."""
        from qualcode.importer import import_project

        return import_project(self.workspace, paths=paths, progress=progress)

    def import_refi(self, path: str | Path):
        """Import a REFI-QDA project (.qdpx or .qde) from NVivo, ATLAS.ti, MAXQDA,
        QualCoder...; returns a RefiImportResult (see `qualcode import FILE.qdpx`)."""
        from qualcode.interop import import_refi

        return import_refi(self.workspace, Path(path))

    def export_project(self, path: str | Path, include_suggestions: bool = False) -> Path:
        """Write the project as a REFI-QDA .qdpx (see `qualcode export project`)."""
        from qualcode.interop import export_refi

        return export_refi(self.workspace, Path(path), include_suggestions)

    # --- changing the codebook (qualcode codebook rename|merge|move|split|retire|undo) ---
    def rename_code(self, old: str, new: str, name: str | None = None):
        """Rename a code's id (and name); codings, decisions, memos, rules and model
        labels follow. Returns a Change (see `qualcode codebook rename`)."""
        from qualcode.codebook_changes import rename

        return rename(self.workspace, old, new, name)

    def merge_codes(self, codes: list[str], into: str, name: str | None = None):
        """Merge codes into one (existing or new); see `qualcode codebook merge`."""
        from qualcode.codebook_changes import merge

        return merge(self.workspace, list(codes), into, name)

    def move_code(self, code: str, under: str | None = None, top: bool = False):
        """Move a code under another, or to the top level (`qualcode codebook move`)."""
        from qualcode.codebook_changes import move

        return move(self.workspace, code, under, top)

    def split_code(self, code: str, into: list[str], names: list[str] | None = None):
        """Add sub-codes to sort a code's codings into (`qualcode codebook split`)."""
        from qualcode.codebook_changes import split

        return split(self.workspace, code, list(into), names)

    def retire_code(self, code: str, restore: bool = False):
        """Retire a code (kept, not counted) or restore it (`qualcode codebook retire`)."""
        from qualcode.codebook_changes import retire

        return retire(self.workspace, code, restore)

    def assign_codings(self, ids: list[int], code: str):
        """Move codings to a code, e.g. a split code's parts (`qualcode codebook assign`)."""
        from qualcode.codebook_changes import assign

        return assign(self.workspace, list(ids), code)

    def undo_codebook(self):
        """Undo the last codebook change, YAML included (`qualcode codebook undo`)."""
        from qualcode.codebook_changes import undo

        return undo(self.workspace)

    def codebook_queue(self, code: str) -> pd.DataFrame:
        """Codings directly on a code, waiting to be assigned to its parts after a split."""
        from qualcode.codebook_changes import queue

        return queue(self.workspace, code)

    def codebook_diff(self, old: str | None = None, new: str | None = None) -> pd.DataFrame:
        """What changed between two codebooks: git revisions, folders, YAML or .qdc files
        (default: HEAD against the files now); see `qualcode codebook diff`."""
        from qualcode.codebook_diff import codebook_diff

        return codebook_diff(self.workspace, old, new)

    def lost_codes(self) -> list:
        """Codes that codings are on but the YAML no longer has, with the rename that
        would carry them when a code of the codebook matches (a hand rename)."""
        from qualcode.codebook_changes import lost_codes

        return lost_codes(self.workspace)

    def codebook_history(self, code: str | None = None) -> pd.DataFrame:
        """The codebook's change log, or one code's (`qualcode codebook history`)."""
        from qualcode.codebook_changes import history

        return history(self.workspace, code)

    def import_codebook(self, path: str | Path) -> tuple[Path | None, int]:
        """Add a REFI-QDA codebook (.qdc) as a new codebook file; returns it and how many
        codes it holds (see `qualcode codebook import`)."""
        from qualcode.interop import import_qdc

        return import_qdc(self.workspace, Path(path))

    def export_codebook(self, path: str | Path) -> Path:
        """Write the codebook as a REFI-QDA .qdc (see `qualcode codebook export -f qdc`)."""
        from qualcode.interop import export_qdc

        return export_qdc(self.workspace, Path(path))

    def status(self) -> dict[str, Any]:
        """Counts of what the store holds and what changed on disk."""
        from qualcode.status import project_status

        return project_status(self.workspace)

    def documents(self, pseudonymize: bool = False, documents: list[str] | None = None
                  ) -> pd.DataFrame:
        """One row per document (all, or these): id, case, language, text and every
        attribute."""
        from qualcode.export import documents_frame

        return documents_frame(self.workspace, pseudonymize=pseudonymize, documents=documents)

    def recording(self, document: str) -> dict[str, Any] | None:
        """The recording a document names, and whether it is there (see `qualcode status`)."""
        from qualcode import datasets

        return datasets.recording(self.workspace, document)

    def codings(self, codes: list[str] | None = None, coders: list[str] | None = None,
                origins: list[str] | None = None, statuses: list[str] | None = None,
                documents: list[str] | None = None, include_orphaned: bool = True,
                pseudonymize: bool = False) -> pd.DataFrame:
        """One row per coding (see `qualcode export codings`). A filter value that names
        no coder, code, origin, status or document is an error listing the known ones."""
        from qualcode.export import codings_frame

        self.check_values(codes=codes, coders=coders, origins=origins, statuses=statuses,
                          documents=documents)
        return codings_frame(self.workspace, codes=codes, coders=coders, origins=origins,
                             statuses=statuses, documents=documents,
                             include_orphaned=include_orphaned, pseudonymize=pseudonymize)

    def check_values(self, codes: list[str] | None = None, coders: list[str] | None = None,
                     origins: list[str] | None = None, statuses: list[str] | None = None,
                     documents: list[str] | None = None) -> None:
        """A usage error for any value that names nothing the project has (a typo must
        not give an empty table)."""
        from qualcode import datasets

        datasets.check_values(self.workspace, codes=codes, coders=coders, origins=origins,
                              statuses=statuses, documents=documents)

    def autocode(self, codes: list[str] | None = None, documents: list[str] | None = None,
                 unit: str = "sentence", dry_run: bool = False, accept: bool = False,
                 progress: Any = None, source: str | None = None) -> pd.DataFrame:
        """Apply the codebook's rules and the learned model (`source` rules, model or both;
        default both once `train` has run); returns the suggestions (see `qualcode
        autocode`). The full result (counts added / removed / kept) is `autocode_run`."""
        return self.autocode_run(codes, documents, unit, dry_run, accept, progress,
                                 source).suggestions

    def autocode_run(self, codes: list[str] | None = None, documents: list[str] | None = None,
                     unit: str = "sentence", dry_run: bool = False, accept: bool = False,
                     progress: Any = None, source: str | None = None):
        """Apply the rules (and model); returns an AutocodeResult with counts."""
        from qualcode.autocode.run import autocode

        return autocode(self.workspace, codes=codes, documents=documents, unit=unit,
                        dry_run=dry_run,
                        accept=accept, progress=progress, source=source)

    def summary(self, by: list[str] | None = None, unit: str = "respondent",
                value: str | None = None, include_suggestions: bool = False,
                coders: list[str] | None = None, rollup: bool = True,
                codes: list[str] | None = None, where: list[str] | None = None,
                totals: bool = True) -> pd.DataFrame:
        """Codes x attribute groups, tidy (see `qualcode summary`)."""
        from qualcode import datasets
        from qualcode.analysis.summary import summary

        self.check_values(coders=coders)
        return summary(datasets.respondents(self.workspace),
                       datasets.coded_units(self.workspace, include_suggestions, coders),
                       by=by, unit=unit, value=value, codebook=self.codebook, rollup=rollup,
                       codes=codes, where=where, totals=totals)

    def compare(self, attr: str, groups: list[str] | None = None, by: str | None = None,
                include_suggestions: bool = False, coders: list[str] | None = None,
                rollup: bool = True, codes: list[str] | None = None,
                where: list[str] | None = None, confidence: float = 0.95,
                include_missing: bool = False) -> pd.DataFrame:
        """Group differences per code with tests and effect sizes (see `qualcode compare`).
        Respondents without the attribute are left out unless include_missing."""
        from qualcode import datasets
        from qualcode.analysis.compare import compare

        self.check_values(coders=coders)
        return compare(datasets.respondents(self.workspace),
                       datasets.coded_units(self.workspace, include_suggestions, coders),
                       attr, groups=groups, by=by, codebook=self.codebook, rollup=rollup,
                       codes=codes, where=where, confidence=confidence,
                       order=self.settings.order.get(attr), include_missing=include_missing)

    def saturation(self, order: str | list[str] = "date", base: int = 4, run: int = 2,
                   threshold: float = 0.05, by: str | None = None,
                   include_suggestions: bool = False, coders: list[str] | None = None,
                   themes: bool = False, where: list[str] | None = None,
                   random_orders: int = 1000):
        """Thematic saturation after Guest, Namey & Chen (2020): a SaturationResult with
        .curve (new codes per interview in order), .verdict (per group) and .random (the
        share of random orders saturated by interview k). `order` is an attribute or a
        list of document ids (see `qualcode saturation`)."""
        from qualcode import datasets
        from qualcode.analysis.saturation import saturation

        self.check_values(coders=coders)
        levels = self.settings.order.get(order) if isinstance(order, str) else None
        return saturation(datasets.respondents(self.workspace),
                          datasets.coded_units(self.workspace, include_suggestions, coders),
                          order=order, base=base, run=run, threshold=threshold, by=by,
                          codebook=self.codebook, themes=themes, where=where, levels=levels,
                          random_orders=random_orders)

    def cooccur(self, unit: str = "turn", include_suggestions: bool = False,
                coders: list[str] | None = None, rollup: bool = True) -> pd.DataFrame:
        """Code-by-code co-occurrence counts and Jaccard (see `qualcode cooccur`)."""
        from qualcode import datasets
        from qualcode.analysis.cooccur import UNITS, cooccur

        codings = self.codings(statuses=_statuses(include_suggestions), coders=coders,
                               include_orphaned=False)
        spans = None
        if unit in UNITS and unit != "overlap":
            spans = datasets.unit_spans(self.workspace, unit, sorted(set(codings.document)))
        return cooccur(codings, spans, unit=unit, codebook=self.codebook, rollup=rollup)

    def excerpts(self, code: str, where: list[str] | None = None, context: int = 0,
                 include_suggestions: bool = False, coders: list[str] | None = None,
                 rollup: bool = True) -> pd.DataFrame:
        """Coded passages with speakers and attributes (see `qualcode excerpts`)."""
        from qualcode import datasets
        from qualcode.analysis.excerpts import excerpts

        book = self.codebook
        wanted = book.descendants(code) if code in book.by_id() and rollup else [code]
        codings = self.codings(codes=wanted,
                               statuses=_statuses(include_suggestions), coders=coders,
                               include_orphaned=False)
        texts = datasets.texts(self.workspace, sorted(set(codings.document)))
        codings = datasets.with_times(self.workspace, codings)
        return excerpts(codings, datasets.respondents(self.workspace), texts, code, where=where,
                        context=context, codebook=book, rollup=rollup)

    def search(self, query: str | None, exact: bool = False, regex: bool = False,
               near: list[str] | None = None, within: int = 8, speaker: str = "respondent",
               where: list[str] | None = None, codes: list[str] | None = None,
               not_codes: list[str] | None = None, documents: list[str] | None = None,
               context: int = 5, progress: Any = None) -> pd.DataFrame:
        """Every hit of a query, keyword in context (see `qualcode search`); `progress`
        (done, total, label) is called while the token index is built, if it must be."""
        from qualcode.search.query import parse_query
        from qualcode.search.run import search

        return search(self.workspace, parse_query(query, exact, regex, near, within),
                      speaker=speaker, where=where, codes=codes, not_codes=not_codes,
                      documents=documents, context=context, progress=progress)

    def search_counts(self, query: str | None, by: list[str] | None = None,
                      **options: Any) -> pd.DataFrame:
        """Hits per document or group of respondents (see `qualcode search --by`)."""
        from qualcode import datasets
        from qualcode.search.run import count_hits

        hits = self.search(query, **options)
        return count_hits(hits, datasets.respondents(self.workspace), by or ["document"])

    def search_code(self, query: str | None, code: str, unit: str = "match",
                    accept: bool = False, dry_run: bool = False, **options: Any):
        """Code every hit of a query: suggestions from the source `search`, or with
        `accept` the current coder's codings (see `qualcode search --code-as`); returns a
        CodeAsResult (its `run` undoes it with `undo_search`)."""
        from qualcode.search.codeas import code_hits

        hits = self.search(query, **options)
        text = query or ",".join(options.get("near") or [])
        return code_hits(self.workspace, hits, code, unit=unit, accept=accept, query=text,
                         dry_run=dry_run)

    def undo_search(self, run: int) -> dict[str, int]:
        """Take back a `search_code` run (see `qualcode search --undo RUN`)."""
        from qualcode.search.codeas import undo_search

        return undo_search(self.workspace, run)

    def words(self, by: str | None = None, codes: list[str] | None = None,
              where: list[str] | None = None, top: int = 20, min_count: int = 5,
              groups: list[str] | None = None, documents: list[str] | None = None,
              progress: Any = None) -> pd.DataFrame:
        """Lemma frequencies of respondent speech, or with `by` the keyness of each lemma
        per group: G2, log ratio, BH-adjusted p (see `qualcode words`)."""
        from qualcode.search.words import words

        return words(self.workspace, by=by, codes=codes, where=where, top=top,
                     min_count=min_count, groups=groups, documents=documents,
                     progress=progress)

    def agreement(self, coders: list[str], unit: str = "sentence", **options: Any
                  ) -> pd.DataFrame:
        """Intercoder agreement per code (see `qualcode agreement`); the passages where
        coders differ are in `agreement_run(...).disagreements`."""
        return self.agreement_run(coders, unit, **options).table

    def agreement_run(self, coders: list[str], unit: str = "sentence",
                      codes: list[str] | None = None, documents: list[str] | None = None,
                      rollup: bool = True, overlap: float = 90.0, denominator: str = "union"):
        """Agreement table and disagreements (an AgreementResult)."""
        from qualcode.analysis.agreement import agreement, check_request

        check_request(coders, unit, denominator)
        codings, spans, texts = self._agreement_data(coders, unit, documents)
        return agreement(codings, coders, unit=unit, spans=spans, texts=texts, codes=codes,
                         documents=documents, codebook=self.codebook, rollup=rollup,
                         overlap=overlap, denominator=denominator)

    def rule_quality(self, coders: list[str], unit: str = "sentence", themes: bool = True
                     ) -> pd.DataFrame:
        """Precision, recall, F1 and kappa of the auto-coder against each human coder."""
        from qualcode.analysis.agreement import AUTO, rule_quality

        codings, spans, texts = self._agreement_data([*coders, AUTO], unit, None)
        return rule_quality(codings, coders, unit=unit, spans=spans, texts=texts,
                            codebook=self.codebook, themes=themes)

    def _agreement_data(self, coders: list[str], unit: str, documents: list[str] | None):
        """The codings of these coders and the units (spans or texts) of the documents
        they coded, for agreement."""
        from qualcode import datasets
        from qualcode.analysis.agreement import UNITS, counted
        from qualcode.errors import UsageError

        codings = self.codings(coders=coders, include_orphaned=False)
        judged = counted(codings, coders)
        missing = [c for c in dict.fromkeys(coders) if c not in set(judged.coder)]
        if missing:
            known = ", ".join(self.coders()) or "none"
            raise UsageError(f"no codings by {', '.join(missing)} - coders with codings: "
                             f"{known}")
        docs = sorted(set(documents or judged.document))
        spans = texts = None
        if unit in ("sentence", "turn"):
            spans = datasets.unit_spans(self.workspace, unit, docs)
        elif unit in UNITS:
            texts = datasets.texts(self.workspace, docs)
        return codings, spans, texts

    def coders(self) -> list[str]:
        """Every coder the store knows: who coded, decided or wrote a memo (the auto-coder
        is `auto`)."""
        from qualcode import datasets

        return datasets.coders(self.workspace)

    def report(self, path: str | Path, by: list[str] | None = None,
               where: list[str] | None = None, include_suggestions: bool = False,
               coders: list[str] | None = None, pseudonymize: bool = False,
               include_missing: bool = False, no_memos: bool = False) -> Path:
        """Write the study report, one self-contained HTML file; returns its path (see
        `qualcode report`). A `by` entry like "origin,rank" crosses attributes;
        `include_missing` compares respondents without a value as a group; `no_memos`
        leaves the Memos section out."""
        from qualcode.report.build import build_report
        from qualcode.report.options import ReportOptions

        options = ReportOptions(by=list(by or []), where=list(where or []),
                                include_suggestions=include_suggestions,
                                coders=list(coders) if coders else None,
                                pseudonymize=pseudonymize, include_missing=include_missing,
                                no_memos=no_memos)
        return build_report(self, Path(path), options)

    def train(self, codes: list[str] | None = None, coders: list[str] | None = None,
              save: bool = True, documents: list[str] | None = None):
        """Learn suggestions from the coders' decisions (see `qualcode train`); returns a
        TrainResult: .table (grouped-CV quality per code), .card, .model. `documents`
        limits learning to those documents (a learning curve)."""
        from qualcode.learn.model import train

        return train(self.workspace, codes=codes, coders=coders, save=save, documents=documents)

    def respondents(self) -> pd.DataFrame:
        """One row per respondent in a document: document, case, words, attributes."""
        from qualcode import datasets

        return datasets.respondents(self.workspace).drop(columns="unit", errors="ignore")

    def sentences(self, documents: list[str] | None = None) -> pd.DataFrame:
        """Sentences of respondent speech: document, start, end."""
        from qualcode import datasets

        return datasets.sentences(self.workspace, documents)

    def code(self, document: str, code: str, quote: str | None = None,
             occurrence: int | None = None, span: tuple[int, int] | None = None,
             turn: int | None = None) -> int:
        """Code a passage as the current coder; returns the coding id (see `qualcode code`)."""
        from qualcode.coding import Selection, add_coding

        return add_coding(self.workspace, document, code, Selection(quote, occurrence, span, turn))

    def uncode(self, coding_id: int | None = None, document: str | None = None,
               code: str | None = None, quote: str | None = None,
               occurrence: int | None = None, span: tuple[int, int] | None = None,
               turn: int | None = None) -> int:
        """Remove one of your manual codings (see `qualcode uncode`)."""
        from qualcode.coding import Selection, remove_coding

        sel = None if coding_id is not None else Selection(quote, occurrence, span, turn)
        return remove_coding(self.workspace, coding_id, document, code, sel)

    def resolve(self, coding_id: int, quote: str | None = None,
                occurrence: int | None = None, span: tuple[int, int] | None = None) -> int:
        """Confirm a coding flagged `changed`, or re-attach an orphaned one to a passage
        (see `qualcode resolve`)."""
        from qualcode.coding import Selection, resolve_flag

        return resolve_flag(self.workspace, coding_id, Selection(quote, occurrence, span))

    def memo(self, target_type: str, target_id: str | None, text: str,
             links: list[str] | None = None) -> int:
        """Write a memo on a code, document, case, coding or the project (the journal:
        `memo("project", None, text)`), linking to memos or codings ("12", "coding:34");
        returns its id (see `qualcode memo add`)."""
        from qualcode.memos import add_memo

        return add_memo(self.workspace, target_type, target_id, text, links)

    def memo_edit(self, memo_id: int, text: str) -> int:
        """Give one of your memos a new text; the earlier one is kept (see `qualcode memo
        edit`)."""
        from qualcode.memos import edit_memo

        return edit_memo(self.workspace, memo_id, text)

    def memo_link(self, memo_id: int, to: list[str]) -> int:
        """Link a memo to memos and codings ("12", "memo:12", "coding:34"); returns how
        many links are new (see `qualcode memo link`)."""
        from qualcode.memos import link_memo

        return link_memo(self.workspace, memo_id, list(to))

    def memo_show(self, memo_id: int) -> dict:
        """One memo with its history and links (see `qualcode memo show`)."""
        from qualcode.memos import memo_detail

        return memo_detail(self.workspace, memo_id)

    def memos(self, target_type: str | None = None, target_id: str | None = None, *,
              author: list[str] | None = None, code: list[str] | None = None,
              document: list[str] | None = None, case: list[str] | None = None,
              since: str | None = None, until: str | None = None,
              history: bool = False) -> pd.DataFrame:
        """Memos, oldest first, filtered by what they are on, author, code, document,
        case and date; with `history`, every text each memo has had (see `qualcode memo
        list`)."""
        import pandas as pd

        from qualcode.datasets import MEMO_COLUMNS
        from qualcode.memos import HISTORY_COLUMNS, list_memos

        def one(v: str | list[str] | None) -> list[str] | None:
            return [v] if isinstance(v, str) else v

        rows = list_memos(self.workspace, target_type, target_id, author=one(author),
                          code=one(code), document=one(document), case=one(case),
                          since=since, until=until, history=history)
        return pd.DataFrame(rows, columns=HISTORY_COLUMNS if history else MEMO_COLUMNS)

    def log(self, limit: int = 50) -> pd.DataFrame:
        """The audit trail, newest first: when, who, what, on what, details."""
        from qualcode import datasets

        return datasets.events(self.workspace, limit)


def _statuses(include_suggestions: bool) -> list[str]:
    return ["accepted", "suggested"] if include_suggestions else ["accepted"]


def open_project(
    path: str | Path | None = None,
    db: str | None = None,
    coder: str | None = None,
) -> Project:
    """Open the project at `path` (default: the current folder or the nearest parent with
    a qualcode.toml). `db` and `coder` override QUALCODE_DB/QUALCODE_CODER and the
    settings file."""
    return Project(open_workspace(path, db=db, coder=coder))
