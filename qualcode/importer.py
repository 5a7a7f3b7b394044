"""`qualcode import`: bring transcripts and coders' CSV codings into the store."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.converters import CONVERTED_SUFFIXES, sidecar, source_bytes
from qualcode.errors import QualcodeError, TranscriptError
from qualcode.transcripts import TRANSCRIPT_SUFFIXES, Transcript, read_transcript

if TYPE_CHECKING:
    from qualcode.workspace import Workspace

CODED_DIR = "coded"
REFI_PATH = "refi:"  # the stored path of a document imported from a REFI-QDA project
BATCH = 200
_WORD = re.compile(r"\w+")

Progress = Callable[[int, int, str], None]


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reanchored: dict[str, int] = field(default_factory=dict)  # ok / changed / orphaned
    coder_files: dict[str, int] = field(default_factory=dict)  # coder -> codings loaded
    errors: list[str] = field(default_factory=list)  # files left out, one line each

    def summary_rows(self) -> list[dict[str, Any]]:
        rows = [
            {"what": "documents added", "count": len(self.added)},
            {"what": "documents updated", "count": len(self.updated)},
            {"what": "documents unchanged", "count": len(self.unchanged)},
            {"what": "documents missing on disk", "count": len(self.missing)},
        ]
        rows += [{"what": f"codings re-anchored: {k}", "count": v}
                 for k, v in sorted(self.reanchored.items())]
        rows += [{"what": f"codings from {c}'s CSV", "count": n}
                 for c, n in sorted(self.coder_files.items())]
        if self.errors:
            rows.append({"what": "files not imported (errors)", "count": len(self.errors)})
        return rows


class ImportIncomplete(QualcodeError):
    """Some files could not be imported; everything else was (see `report`)."""

    def __init__(self, report: ImportReport):
        self.report = report
        n = len(report.errors)
        more = f" (and {n - 1} more: fix them and run qualcode import again)" if n > 1 \
            else ""
        super().__init__(report.errors[0] + more)


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def transcript_files(folder: Path) -> list[Path]:
    """Transcript files under `folder`: .md/.txt, not README files, not in coded/ or hidden."""
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if not p.is_file() or p.suffix.lower() not in TRANSCRIPT_SUFFIXES:
            continue
        if any(part.startswith((".", "_", "~$")) for part in rel.parts):
            continue
        if rel.parts[0] == CODED_DIR or p.stem.lower() in {"readme", "license", "changelog"}:
            continue
        out.append(p)
    return out


def _bring_in(ws: Workspace, paths: list[Path], report: ImportReport) -> list[Path]:
    """Files outside interviews/ are read first and copied in only when they import
    (never overwriting a different file); files that fail are reported, not copied."""
    target = ws.interviews_dir
    for given in paths:
        p = given.resolve()
        if not p.exists():
            raise QualcodeError(f"{given}: no such file or folder")
        if p.is_file() and p.suffix.lower() not in TRANSCRIPT_SUFFIXES:
            raise TranscriptError(f"{given}: unsupported file type {p.suffix or '(none)'} - "
                                  "use .md, .txt, .docx, .vtt or .srt")
    files: list[Path] = []
    for given in paths:
        p = given.resolve()
        for f in transcript_files(p) if p.is_dir() else [p]:
            if f.is_relative_to(target.resolve()):
                files.append(f)
                continue
            dest = target / f.name
            if dest.exists() and dest.read_bytes() != f.read_bytes():
                report.errors.append(f"{f}: interviews/{f.name} already exists with other "
                                     "content - rename one of them")
                continue
            if not dest.exists():
                try:  # validate first, copy after
                    read_transcript(f, ws.settings.language,
                                    ws.settings.interviewer_labels, f.name)
                except QualcodeError as exc:
                    report.errors.append(str(exc))
                    continue
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, dest)
                report.copied.append(str(dest.relative_to(ws.root)))
                side = sidecar(f) if f.suffix.lower() in CONVERTED_SUFFIXES else None
                if side is not None and not (target / side.name).exists():
                    shutil.copy2(side, target / side.name)
            files.append(dest)
    return files


def import_project(
    ws: Workspace, paths: list[Path] | None = None, progress: Progress | None = None
) -> ImportReport:
    """Import transcripts (all of interviews/, or the given files) and coders' CSVs.

    Every file that can be imported is; a file that cannot (unreadable, duplicate id, a
    coder CSV row whose quote is not found) is left as it was in the store and reported.
    The import is logged either way; when some file failed, `ImportIncomplete` is raised
    after the rest is committed, carrying the report."""
    from qualcode.store.codes import sync_codes
    from qualcode.store.documents import document_index
    from qualcode.store.memos import log_event

    report = ImportReport()
    book = ws.codebook
    files = _bring_in(ws, paths, report) if paths else transcript_files(
        ws.interviews_dir)
    engine = ws.engine
    settings = ws.settings
    with engine.begin() as conn:
        sync_codes(conn, book)
        existing = document_index(conn)
    by_path = {r.path: r for r in existing.values()}
    seen_ids: dict[str, str] = {}
    pending: list[tuple[Transcript, str, Any]] = []
    media_todo: list[tuple[str, Path, str, str | None]] = []
    total = len(files)
    for n, path in enumerate(files, 1):
        rel = path.resolve().relative_to(ws.root).as_posix()
        if progress:
            progress(n, total, rel)
        fhash = sha256(source_bytes(path))
        old = by_path.get(rel)
        if old is not None and old.file_hash == fhash:
            report.unchanged.append(old.id)
            seen_ids[old.id] = rel
            media_todo.append((old.id, path, rel, _KEEP))
            continue
        try:
            tr = read_transcript(path, settings.language, settings.interviewer_labels, rel)
        except QualcodeError as exc:
            report.errors.append(str(exc))
            if old is not None:
                seen_ids[old.id] = rel  # the stored version stays
            continue
        report.warnings.extend(tr.warnings)
        prev = existing.get(tr.id)
        if tr.id in seen_ids or (prev is not None and prev.path != rel
                                 and (ws.root / prev.path).exists()):
            other = seen_ids.get(tr.id) or prev.path
            report.errors.append(f"{rel}: document id {tr.id!r} is also used by {other} - "
                                 "ids must be unique")
            continue
        seen_ids[tr.id] = rel
        pending.append((tr, fhash, prev))
        media_todo.append((tr.id, path, rel, tr.media))
        if len(pending) >= BATCH:
            _write(ws, pending, report)
            pending = []
    if pending:
        _write(ws, pending, report)
    sync_media(ws, media_todo, report)
    if not paths:
        report.missing = sorted(i for i, r in existing.items()
                                if i not in seen_ids and not r.path.startswith(REFI_PATH)
                                and not (ws.root / r.path).exists())
    report.coder_files = import_coder_csvs(ws, report)
    with engine.begin() as conn:
        log_event(conn, ws.coder, "import", None, {
            "added": len(report.added), "updated": len(report.updated),
            "unchanged": len(report.unchanged), "missing": len(report.missing),
            **{f"reanchored_{k}": v for k, v in report.reanchored.items()},
            "errors": len(report.errors),
        })
    if report.errors:
        raise ImportIncomplete(report)
    return report


def _write(ws: Workspace, batch: list[tuple[Transcript, str, Any]],
           report: ImportReport) -> None:
    from qualcode.store.documents import save_documents
    from qualcode.store.memos import now

    stamp = now()
    items = [(*transcript_rows(tr, fhash, stamp), prev is not None, cue_rows(tr))
             for tr, fhash, prev in batch]
    with ws.engine.begin() as conn:
        counts = save_documents(conn, items, ws.coder)
    for tr, _, prev in batch:
        (report.added if prev is None else report.updated).append(tr.id)
    for k, v in counts.items():
        report.reanchored[k] = report.reanchored.get(k, 0) + v


def transcript_rows(tr: Transcript, fhash: str, stamp: datetime
                    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """A transcript as the store's document, turn and speaker rows."""
    words: dict[str | None, int] = {}
    for x in tr.turns:
        words[x.speaker] = words.get(x.speaker, 0) + len(_WORD.findall(tr.text[x.start:x.end]))
    resp_words = sum(len(_WORD.findall(tr.text[x.start:x.end]))
                     for x in tr.turns if x.role == "respondent")
    row = dict(id=tr.id, path=tr.path, case_id=tr.respondent, language=tr.language,
               text=tr.text, hash=sha256(tr.text), file_hash=fhash, attributes=tr.attributes,
               words=len(_WORD.findall(tr.text)), respondent_words=resp_words,
               imported_at=stamp)
    turns = [dict(idx=x.index, speaker=x.speaker, case_id=x.case_id, role=x.role,
                  start=x.start, end=x.end, timestamp=x.timestamp, start_time=x.start_time,
                  end_time=x.end_time) for x in tr.turns]
    speakers = [dict(label=s.label, case_id=s.case_id, role=s.role, attributes=s.attributes,
                     words=words.get(s.label, 0)) for s in tr.speakers]
    return row, turns, speakers


def cue_rows(tr: Transcript) -> list[dict[str, Any]]:
    """A transcript's subtitle cues as the store's cue rows."""
    return [dict(idx=i, start=c.start, end=c.end, start_time=c.start_time,
                 end_time=c.end_time) for i, c in enumerate(tr.cues)]


_KEEP = "\0keep"  # an unchanged transcript: keep the recording it named


def sync_media(ws: Workspace, todo: list[tuple[str, Path, str, str | None]],
               report: ImportReport) -> None:
    """Record the recording each imported transcript names (`media:` in the front matter,
    else a media file of the same stem beside a .vtt/.srt): where it is, its size, hash
    and duration; never the file itself. A recording that is not there is recorded
    (status then says it is missing) with a warning; one outside interviews/ is refused
    with a warning."""
    from qualcode.media import (
        MediaPathError,
        beside,
        clean_ref,
        media_facts,
        media_kind,
        resolve_media,
    )
    from qualcode.store.media import media_rows, save_media, set_last_turn_end
    from qualcode.store.memos import now

    if not todo:
        return
    base = ws.interviews_dir
    with ws.engine.connect() as conn:
        stored = media_rows(conn, [doc for doc, *_ in todo])
    subtitles = {".vtt", ".srt"}
    with ws.engine.begin() as conn:
        for doc, path, rel, ref in todo:
            old = stored.get(doc)
            if ref == _KEEP:
                ref = old.path if old is not None else None
            if ref is None and path.suffix.lower() in subtitles:
                name = beside(path)
                if name is not None:
                    folder = path.resolve().parent
                    ref = (folder / name).relative_to(base.resolve()).as_posix() \
                        if folder.is_relative_to(base.resolve()) else None
            if ref is None:
                save_media(conn, doc, None)
                continue
            try:
                ref = clean_ref(ref)
                target = resolve_media(base, ref)
            except MediaPathError as exc:
                report.warnings.append(f"{rel}: media {ref!r} {exc} - not linked")
                save_media(conn, doc, None)
                continue
            row: dict[str, Any] = dict(path=ref, kind=media_kind(ref), size=None, mtime=None,
                                       sha256=None, duration=None, checked_at=now())
            if not target.is_file():
                report.warnings.append(f"{rel}: media interviews/{ref} not found - put the "
                                       "recording there (qualcode status reminds you)")
            else:
                st = target.stat()
                if old is not None and old.path == ref and old.size == st.st_size \
                        and old.mtime == st.st_mtime and old.sha256:
                    row.update(size=old.size, mtime=old.mtime, sha256=old.sha256,
                               duration=old.duration)
                else:
                    facts = media_facts(target)
                    row.update(size=facts.size, mtime=facts.mtime, sha256=facts.sha256,
                               duration=facts.duration)
            save_media(conn, doc, row)
            if row["duration"] is not None:
                set_last_turn_end(conn, doc, row["duration"])


def import_coder_csvs(ws: Workspace, report: ImportReport) -> dict[str, int]:
    from qualcode.coderfiles import import_coder_files

    return import_coder_files(ws, report)
