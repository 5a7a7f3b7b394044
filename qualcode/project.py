"""The project handle: where the folder is, its settings, its store, the current coder.

Every method mirrors a CLI command and returns data (mostly pandas DataFrames).
Heavy libraries are imported inside the functions that need them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import CoderRequired, ProjectError
from qualcode.settings import SETTINGS_FILE, Settings, load_settings

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

    from qualcode.codebook import Codebook


@dataclass
class Project:
    """A qualcode project folder and its store."""

    root: Path
    settings: Settings
    db_url: str
    coder: str | None = None
    _engine: Engine | None = field(default=None, repr=False)
    _codebook: tuple[tuple, Codebook] | None = field(default=None, repr=False)

    @property
    def codebook_dir(self) -> Path:
        return self.root / "codebook"

    @property
    def interviews_dir(self) -> Path:
        return self.root / "interviews"

    @property
    def engine(self) -> Engine:
        """The store's engine; the schema is created or upgraded on first use."""
        if self._engine is None:
            from sqlalchemy.exc import OperationalError

            from qualcode.store.engine import connect_error, make_engine
            from qualcode.store.migrations import ensure_schema

            engine = make_engine(self.db_url)
            try:
                with engine.begin() as conn:
                    ensure_schema(conn)
            except OperationalError as exc:
                engine.dispose()
                raise connect_error(self.db_url, exc) from None
            self._engine = engine
        return self._engine

    @property
    def codebook(self) -> Codebook:
        """The codebook loaded from `codebook/*.yaml` (validated); read again when a
        codebook file changes, so a notebook sees edits without reopening the project."""
        from qualcode.codebook import load_codebook

        folder = self.codebook_dir
        files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() \
            else []
        stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
        if self._codebook is None or self._codebook[0] != stamp:
            self._codebook = (stamp, load_codebook(folder))
        return self._codebook[1]

    def require_coder(self) -> str:
        """The current coder's name, or an error for commands that write."""
        if not self.coder:
            raise CoderRequired()
        return self.coder

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # --- commands (each a thin call into one module) ---------------------------------
    def import_interviews(self, paths: list[Path] | None = None, progress: Any = None):
        """Bring transcripts (and coders' CSV codings) into the store. See `qualcode import`."""
        from qualcode.importer import import_project

        return import_project(self, paths=paths, progress=progress)

    def status(self) -> dict[str, Any]:
        """Counts of what the store holds and what changed on disk."""
        from qualcode.status import project_status

        return project_status(self)

    def documents(self, pseudonymize: bool = False) -> pd.DataFrame:
        """One row per document: id, case, language, text and every attribute."""
        from qualcode.export import documents_frame

        return documents_frame(self, pseudonymize=pseudonymize)

    def codings(self, **filters: Any) -> pd.DataFrame:
        """One row per coding (see `qualcode export codings`)."""
        from qualcode.export import codings_frame

        return codings_frame(self, **filters)

    def autocode(self, codes: list[str] | None = None, documents: list[str] | None = None,
                 unit: str = "sentence", dry_run: bool = False, accept: bool = False,
                 progress: Any = None) -> pd.DataFrame:
        """Apply the codebook's rules; returns the suggestions (see `qualcode autocode`).

        The full result (counts added / removed / kept) is `autocode_run(...)`."""
        return self.autocode_run(codes, documents, unit, dry_run, accept, progress).suggestions

    def autocode_run(self, codes: list[str] | None = None, documents: list[str] | None = None,
                     unit: str = "sentence", dry_run: bool = False, accept: bool = False,
                     progress: Any = None):
        """Apply the codebook's rules; returns an AutocodeResult with counts."""
        from qualcode.autocode.run import autocode

        return autocode(self, codes=codes, documents=documents, unit=unit, dry_run=dry_run,
                        accept=accept, progress=progress)

    def summary(self, by: list[str] | None = None, unit: str = "respondent",
                value: str | None = None, **options: Any) -> pd.DataFrame:
        """Codes x attribute groups, tidy (see `qualcode summary`)."""
        from qualcode.analysis.summary import summary

        return summary(self, by=by, unit=unit, value=value, **options)

    def compare(self, attr: str, groups: list[str] | None = None, by: str | None = None,
                **options: Any) -> pd.DataFrame:
        """Group differences per code with tests and effect sizes (see `qualcode compare`)."""
        from qualcode.analysis.compare import compare

        return compare(self, attr, groups=groups, by=by, **options)

    def cooccur(self, unit: str = "turn", **options: Any) -> pd.DataFrame:
        """Code-by-code co-occurrence counts and Jaccard (see `qualcode cooccur`)."""
        from qualcode.analysis.cooccur import cooccur

        return cooccur(self, unit=unit, **options)

    def excerpts(self, code: str, where: list[str] | None = None, context: int = 0,
                 **options: Any) -> pd.DataFrame:
        """Coded passages with speakers and attributes (see `qualcode excerpts`)."""
        from qualcode.analysis.excerpts import excerpts

        return excerpts(self, code, where=where, context=context, **options)

    def agreement(self, coders: list[str], unit: str = "sentence", **options: Any
                  ) -> pd.DataFrame:
        """Intercoder agreement per code (see `qualcode agreement`); the passages where
        coders differ are in `agreement_run(...).disagreements`."""
        return self.agreement_run(coders, unit, **options).table

    def agreement_run(self, coders: list[str], unit: str = "sentence", **options: Any):
        """Agreement table and disagreements (an AgreementResult)."""
        from qualcode.analysis.agreement import agreement

        return agreement(self, coders, unit=unit, **options)

    def rule_quality(self, coders: list[str], unit: str = "sentence", themes: bool = True
                     ) -> pd.DataFrame:
        """Precision, recall, F1 and kappa of the auto-coder against each human coder."""
        from qualcode.analysis.agreement import rule_quality

        return rule_quality(self, coders, unit=unit, themes=themes)

    def train(self, codes: list[str] | None = None, coders: list[str] | None = None,
              save: bool = True):
        """Learn suggestions from the coders' decisions (see `qualcode train`); returns a
        TrainResult: .table (grouped-CV quality per code), .card, .model."""
        from qualcode.learn.model import train

        return train(self, codes=codes, coders=coders, save=save)

    def respondents(self) -> pd.DataFrame:
        """One row per respondent in a document: document, case, words, attributes."""
        from qualcode.analysis.units import respondent_units

        return respondent_units(self).drop(columns="unit", errors="ignore")

    def code(self, document: str, code: str, quote: str | None = None,
             occurrence: int | None = None, span: tuple[int, int] | None = None,
             turn: int | None = None) -> int:
        """Code a passage as the current coder; returns the coding id (see `qualcode code`)."""
        from qualcode.coding import Selection, add_coding

        return add_coding(self, document, code, Selection(quote, occurrence, span, turn))

    def uncode(self, coding_id: int | None = None, document: str | None = None,
               code: str | None = None, quote: str | None = None,
               occurrence: int | None = None, span: tuple[int, int] | None = None,
               turn: int | None = None) -> int:
        """Remove one of your manual codings (see `qualcode uncode`)."""
        from qualcode.coding import Selection, remove_coding

        sel = None if coding_id is not None else Selection(quote, occurrence, span, turn)
        return remove_coding(self, coding_id, document, code, sel)

    def memo(self, target_type: str, target_id: str, text: str) -> int:
        """Attach a memo to a code, document, case or coding (see `qualcode memo`)."""
        from qualcode.coding import add_memo

        return add_memo(self, target_type, target_id, text)

    def memos(self, target_type: str | None = None, target_id: str | None = None
              ) -> pd.DataFrame:
        """Memos, oldest first."""
        import pandas as pd

        from qualcode.coding import list_memos

        return pd.DataFrame(list_memos(self, target_type, target_id),
                            columns=["id", "on", "target", "coder", "at", "memo"])

    def log(self, limit: int = 50) -> pd.DataFrame:
        """The audit trail, newest first: when, who, what, on what, details."""
        import pandas as pd
        from sqlalchemy import select

        from qualcode.store import schema as t

        with self.engine.connect() as conn:
            rows = conn.execute(select(t.events).order_by(t.events.c.id.desc()).limit(limit)
                                ).all()
        return pd.DataFrame([{"at": r.at, "coder": r.coder, "action": r.action,
                              "target": r.target,
                              "details": ", ".join(f"{k}={v}" for k, v in r.details.items())}
                             for r in rows], columns=["at", "coder", "action", "target",
                                                      "details"])


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding qualcode.toml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def open_project(
    path: str | Path | None = None,
    db: str | None = None,
    coder: str | None = None,
) -> Project:
    """Open the project at `path` (default: the current folder or the nearest parent with
    a qualcode.toml). `db` and `coder` override QUALCODE_DB/QUALCODE_CODER and the
    settings file."""
    given = Path(path or os.environ.get("QUALCODE_PROJECT") or ".")
    if not given.exists():
        raise ProjectError(f"{given}: no such folder - create a project with qualcode init DIR")
    root = find_root(given) if path is None else given.resolve()
    if root is None or not (root / SETTINGS_FILE).is_file():
        where = root or given.resolve()
        raise ProjectError(f"{where}: not a qualcode project (no {SETTINGS_FILE}) - run "
                           "qualcode init DIR, or pass --project DIR")
    settings = load_settings(root)
    from qualcode.store.engine import default_url

    url = db or os.environ.get("QUALCODE_DB") or settings.db or default_url(root)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        rel = url[len("sqlite:///"):]
        if rel and rel != ":memory:" and not Path(rel).is_absolute():
            url = f"sqlite:///{(root / rel).resolve()}"
    who = coder or os.environ.get("QUALCODE_CODER") or settings.coder
    return Project(root=root, settings=settings, db_url=url, coder=who or None)
