"""Whole projects in and out through REFI-QDA (`.qdpx`, `.qde`; codebooks `.qdc`): the
store side of `qualcode/refi/` (which reads and writes the files as plain data)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from qualcode.errors import InteropError
from qualcode.importer import REFI_PATH

if TYPE_CHECKING:
    from qualcode.workspace import Workspace

PROJECT_SUFFIXES = (".qdpx", ".qde")


@dataclass
class RefiImportResult:
    """What `qualcode import FILE.qdpx` brought in, and what it could not."""

    producer: str = ""
    documents: dict[str, int] = field(default_factory=dict)  # added / updated / unchanged
    codes_added: int = 0
    codebook_file: str | None = None
    codings: dict[str, int] = field(default_factory=dict)  # added / kept / removed
    memos_added: int = 0
    memo_links_added: int = 0
    coders: list[str] = field(default_factory=list)
    skipped_sources: list[dict[str, Any]] = field(default_factory=list)
    skipped_selections: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    recordings: list[str] = field(default_factory=list)  # linked, relative to interviews/

    def summary_rows(self) -> list[dict[str, Any]]:
        rows = [{"what": f"documents {k}", "count": v} for k, v in self.documents.items()]
        rows.append({"what": "codes added", "count": self.codes_added})
        rows += [{"what": f"codings {k}", "count": v} for k, v in self.codings.items()]
        rows.append({"what": "memos added", "count": self.memos_added})
        rows.append({"what": "memo links added", "count": self.memo_links_added})
        rows.append({"what": "coders", "count": len(self.coders)})
        if self.recordings:
            rows.append({"what": "recordings linked", "count": len(self.recordings)})
        rows += [{"what": f"sources not imported ({why})", "count": n}
                 for why, n in skipped_kinds(self.skipped_sources).items()]
        rows += [{"what": f"{kind} selections not imported", "count": n}
                 for kind, n in sorted(self.skipped_selections.items())]
        return rows


def skipped_kinds(skipped: list[dict[str, Any]]) -> dict[str, int]:
    """Skipped sources counted by why: not text (audio, PDF, ...), empty, unreadable."""
    from qualcode.refi.model import EMPTY

    out = {"not text": 0, "empty": 0, "unreadable": 0}
    for s in skipped:
        why = ("not text" if s["kind"] != "text" else "empty" if s["reason"] == EMPTY
               else "unreadable")
        out[why] += 1
    return {k: n for k, n in out.items() if n or k == "not text"}


def import_refi(ws: Workspace, path: Path) -> RefiImportResult:
    """Import a REFI-QDA project: text sources become documents (transcript rules apply),
    codes a new codebook file (never overwriting one), users coders, coded selections
    accepted codings (origin `imported`), variables attributes, notes memos. All in one
    transaction; importing the same file again changes nothing. Audio/video sources
    with a transcript become documents too; their recordings are then copied into
    interviews/ and linked (never over another file)."""
    from qualcode.codebook import Codebook
    from qualcode.importer import sha256, transcript_rows
    from qualcode.refi.codebook_map import codebook_file_name, write_codebook_yaml
    from qualcode.refi.convert import refi_to_qualcode
    from qualcode.refi.read import read_qdpx
    from qualcode.store import codings as store_codings
    from qualcode.store import documents as store_documents
    from qualcode.store import memos as store_memos
    from qualcode.store import meta
    from qualcode.store.codes import ensure_coder, sync_codes

    if not path.is_file():
        raise InteropError(f"{path}: no such file")
    refi = read_qdpx(path)
    settings = ws.settings
    has_files = ws.codebook_dir.is_dir() and any(
        p.suffix in (".yaml", ".yml") for p in ws.codebook_dir.iterdir())
    existing = ws.codebook if has_files else Codebook()  # a new, empty project
    data = refi_to_qualcode(refi, existing, settings.language, settings.interviewer_labels,
                            source_label=path.name)
    new_book = data.codebook.book
    if not data.documents and not data.codebook.ids:
        kinds = skipped_kinds([s.model_dump() for s in data.report.skipped_sources])
        why = ", ".join(f"{n} {k}" for k, n in kinds.items() if n)
        raise InteropError(f"{path}: nothing to import - no text source and no code"
                           + (f" (sources not imported: {why})" if why else ""))
    merged = Codebook(codebook=existing.codebook, version=existing.version,
                      codes=[*existing.codes, *new_book.codes])
    result = RefiImportResult(producer=data.report.producer, warnings=list(
        data.report.warnings), coders=list(data.coders),
        skipped_sources=[s.model_dump() for s in data.report.skipped_sources],
        skipped_selections=dict(data.report.skipped_selections))
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    from qualcode.store.memos import now

    stamp = now()
    with ws.engine.begin() as conn:
        sync_codes(conn, merged)
        stored = store_documents.document_index(conn)
        items = []
        for tr in data.documents:
            prev = stored.get(tr.id)
            if prev is not None and not prev.path.startswith(REFI_PATH):
                raise InteropError(f"{path}: source {tr.id!r} has the id of the transcript "
                                   f"{prev.path} - rename one of them; nothing was imported")
            row, turns, speakers = transcript_rows(tr, sha256(tr.text), stamp)
            if prev is not None and prev.hash == row["hash"] and prev.path == tr.path:
                counts["unchanged"] += 1
            else:
                items.append((row, turns, speakers, prev is not None))
                counts["added" if prev is None else "updated"] += 1
        store_documents.save_documents(conn, items, ws.coder)
        store_documents.ensure_cases(conn, {c.id for c in data.cases})
        for coder in data.coders:
            ensure_coder(conn, coder)
        rows = [dict(key=c.key, document_id=c.document, start=c.start, end=c.end,
                     text=c.text, code_id=c.code, coder=c.coder, created_at=c.created_at,
                     source=c.source) for c in data.codings]
        ids, result.codings = store_codings.sync_imported(conn, path.name, rows)
        have = {(m["target_type"], m["target_id"], m["coder"], m["text"]): m["id"]
                for m in store_memos.memos(conn)}
        by_note: dict[str, int] = {}  # note GUID -> memo id (new, or the one already here)
        for m in data.memos:
            target = str(ids.get(m.target_id, "")) if m.target_type == "coding" \
                else m.target_id
            if not target:
                continue
            key = (m.target_type, target, m.coder, m.text)
            if key not in have:
                have[key] = store_memos.add_memo(conn, m.target_type, target, m.coder,
                                                 m.text, log=False, created_at=m.created_at)
                result.memos_added += 1
            if m.note:
                by_note.setdefault(m.note, have[key])
        for m in data.memos:
            origin = by_note.get(m.note)
            for kind, ref in m.links if origin is not None else []:
                to = by_note.get(ref) if kind == "memo" else ids.get(ref)
                if to is not None and (kind, to) != ("memo", origin) and store_memos.add_link(
                        conn, origin, kind, str(to), m.coder, log=False):
                    result.memo_links_added += 1
        if data.sets:
            meta.set_value(conn, f"refi-sets:{path.name}", json.dumps(
                [{"name": s.name, "documents": s.documents, "codes": s.codes}
                 for s in data.sets], ensure_ascii=False))
        result.documents = counts
        result.codes_added = sum(1 for _ in new_book.walk())
        if new_book.codes:
            written = write_codebook_yaml(new_book, ws.codebook_dir, refi.name)
            result.codebook_file = written.relative_to(ws.root).as_posix()
        store_memos.log_event(conn, ws.coder, "import-refi", path.name, {
            **{f"documents_{k}": v for k, v in counts.items()},
            **{f"codings_{k}": v for k, v in result.codings.items()},
            "codes_added": result.codes_added, "memos_added": result.memos_added,
            "memo_links_added": result.memo_links_added,
            "skipped_sources": len(result.skipped_sources),
            "codebook_file": result.codebook_file or codebook_file_name(refi.name)
            if new_book.codes else None})
    if data.media:
        result.recordings = _extract_media(ws, path, data.media, result.warnings)
    return result


def _extract_media(ws: Workspace, path: Path, media: dict[str, tuple[str, str]],
                   warnings: list[str]) -> list[str]:
    """Copy each imported transcript's recording out of the archive into interviews/
    (`<document id><suffix>`; an existing file with other bytes is never overwritten,
    the copy gets ` (2)`) and record it as the document's recording. A recording outside
    the archive (relative:// or absolute://) is not linked, with a warning."""
    from qualcode.importer import ImportReport, sync_media
    from qualcode.media import media_kind
    from qualcode.refi.archive import open_container

    folder = ws.interviews_dir
    todo: list[tuple[str, Path, str, str | None]] = []
    box = open_container(path)
    try:
        for doc, (ref, name) in sorted(media.items()):
            suffix = PurePosixPath(ref.replace("\\", "/")).suffix.lower()
            if media_kind(f"x{suffix}") is None:
                warnings.append(f"{path.name}: source {name}: recording {ref} is not an "
                                "audio or video file qualcode plays - not linked")
                continue
            data = box.read_source(ref)
            if data is None:
                warnings.append(f"{path.name}: source {name}: recording {ref} is not in the "
                                f"archive - not linked (put it in interviews/ and add media: "
                                "to a transcript file to play it)")
                continue
            folder.mkdir(parents=True, exist_ok=True)
            dest, n = folder / f"{doc}{suffix}", 2
            while dest.exists() and (not dest.is_file() or dest.read_bytes() != data):
                dest, n = folder / f"{doc} ({n}){suffix}", n + 1
            if not dest.exists():
                from qualcode.outputs import write_output

                write_output(dest, data)
            rel = dest.relative_to(folder).as_posix()
            todo.append((doc, dest, f"{path.name}: source {name}", rel))
    finally:
        box.close()
    report = ImportReport()
    sync_media(ws, todo, report)
    warnings.extend(report.warnings)
    return [ref for *_, ref in todo if ref]


def export_refi(ws: Workspace, path: Path, include_suggestions: bool = False) -> Path:
    """Write the project as a REFI-QDA `.qdpx`: sources as UTF-8 text, the codebook,
    coders, every coder's accepted codings (suggestions too when asked), attributes as
    variables, memos as notes; a document whose recording is in interviews/ as an
    AudioSource/VideoSource carrying the recording and its transcript with sync points.
    Validated against Project.xsd; byte-identical when the project has not changed."""
    from qualcode import datasets
    from qualcode.refi.convert import qualcode_to_refi
    from qualcode.refi.write import write_qdpx

    _check_output(path, ".qdpx")
    codings = datasets.codings(ws)
    # an accepted suggestion is the judgement of the person who accepted it
    judged = (codings.origin == "auto") & (codings.status == "accepted") & \
        codings.decided_by.notna()
    codings.loc[judged, "coder"] = codings.loc[judged, "decided_by"]
    documents = datasets.documents(ws)
    recordings, points = _recordings(ws, [str(d) for d in documents["document"]])
    model = qualcode_to_refi(ws.settings.name, documents, codings,
                             ws.codebook, datasets.memos(ws), datasets.turns(ws),
                             include_suggestions=include_suggestions,
                             recordings=recordings, sync_points=points)
    return write_qdpx(model, path)


def _recordings(ws: Workspace, documents: list[str]
                ) -> tuple[dict[str, str], dict[str, list[tuple[int, float]]]]:
    """The recordings to export (document -> file; only those present in interviews/)
    and each document's timed points (character index, seconds): the start and end of
    every timed turn and subtitle cue."""
    from qualcode import datasets
    from qualcode.store.documents import cue_rows, timed_turns
    from qualcode.store.media import media_rows

    with ws.engine.connect() as conn:
        linked = sorted(media_rows(conn, documents))
        turns = timed_turns(conn, linked) if linked else []
        cues = cue_rows(conn, linked) if linked else []
    files: dict[str, str] = {}
    for doc in linked:
        rec = datasets.recording(ws, doc)
        if rec is not None and rec["file"] is not None:
            files[doc] = str(rec["file"])
    points: dict[str, dict[int, float]] = {}
    for rows in (cues, turns):  # a turn's own times win over its cues' at the same place
        for r in rows:
            at = points.setdefault(r.document_id, {})
            if r.start_time is not None:
                at[r.start] = r.start_time
            if r.end_time is not None:
                at[r.end] = r.end_time
    return files, {d: sorted(p.items()) for d, p in points.items() if d in files}


def import_qdc(ws: Workspace, path: Path) -> tuple[Path | None, int]:
    """Add the codes of a REFI-QDA codebook (`.qdc`) as a new codebook file; codes whose
    GUID is already in the codebook are skipped. Returns the file and how many codes."""
    from qualcode.refi.codebook_map import refi_to_codebook, write_codebook_yaml
    from qualcode.refi.read import read_qdc

    if not path.is_file():
        raise InteropError(f"{path}: no such file")
    from qualcode.codebook import Codebook

    refi = read_qdc(path)
    has_files = ws.codebook_dir.is_dir() and any(
        p.suffix in (".yaml", ".yml") for p in ws.codebook_dir.iterdir())
    books = refi_to_codebook(refi.codes, path.stem,
                             ws.codebook if has_files else Codebook())
    n = sum(1 for _ in books.book.walk())
    if not n:
        return None, 0
    return write_codebook_yaml(books.book, ws.codebook_dir, path.stem), n


def export_qdc(ws: Workspace, path: Path) -> Path:
    """Write the codebook as a REFI-QDA `.qdc`, validated against Codebook.xsd."""
    from qualcode.refi.codebook_map import codebook_to_refi
    from qualcode.refi.model import RefiCodebook
    from qualcode.refi.write import write_qdc

    _check_output(path, ".qdc")
    book = ws.codebook
    return write_qdc(RefiCodebook(codes=codebook_to_refi(book)), path)


def _check_output(path: Path, suffix: str) -> None:
    if path.suffix.lower() != suffix:
        raise InteropError(f"{path}: the file name must end in {suffix}")
    if not path.parent.is_dir():
        raise InteropError(f"{path}: the folder {path.parent} does not exist")
