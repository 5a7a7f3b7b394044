"""Coders' manual codings kept as CSV files: `interviews/coded/<coder>.csv`.

Columns: document, quote, code, and optionally memo and occurrence. Each row becomes a
manual, accepted coding by the coder named by the file, anchored by its quote. The
file is the source of truth for those codings: when it changes, they are replaced.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from qualcode.errors import QualcodeError
from qualcode.quotes import locate
from qualcode.textio import decode_bytes

if TYPE_CHECKING:
    from qualcode.importer import ImportReport
    from qualcode.workspace import Workspace

REQUIRED = ("document", "quote", "code")


def import_coder_files(ws: Workspace, report: ImportReport) -> dict[str, int]:
    """Load every changed `interviews/coded/*.csv`; returns codings per coder."""
    from qualcode.importer import CODED_DIR, sha256
    from qualcode.store import codings as store_codings
    from qualcode.store import meta
    from qualcode.store.documents import document_texts

    folder = ws.interviews_dir / CODED_DIR
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    counts: dict[str, int] = {}
    known_codes = set(ws.codebook.by_id())
    with ws.engine.begin() as conn:
        docs = document_texts(conn)
        for path in files:
            rel = path.relative_to(ws.root).as_posix()
            coder = path.stem
            try:
                from qualcode.workspace import check_coder_name

                check_coder_name(coder)
            except QualcodeError as exc:
                report.errors.append(f"{rel}: {exc} - rename the file")
                continue
            data = path.read_bytes()
            key = f"coderfile:{rel}"
            digest = sha256(data)
            if meta.get_value(conn, key) == digest:
                counts[coder] = store_codings.coder_file_count(conn, rel)
                continue
            try:
                rows = _parse(rel, data, docs, known_codes)
            except QualcodeError as exc:
                # the file's codings stay as last imported; the next import tries again
                report.errors.append(str(exc))
                counts[coder] = store_codings.coder_file_count(conn, rel)
                continue
            store_codings.replace_coder_file(conn, rel, coder, rows, docs)
            meta.set_value(conn, key, digest)
            counts[coder] = len(rows)
    return counts


def _parse(rel: str, data: bytes, docs: dict[str, str], codes: set[str]) -> list[tuple]:
    text = decode_bytes(data, rel).text
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise QualcodeError(f"{rel}: missing column(s) {', '.join(missing)} - the header must "
                            "name document, quote, code (memo, occurrence optional)")
    out = []
    for n, row in enumerate(reader, start=2):
        where = f"{rel} row {n}"
        doc = (row.get("document") or "").strip()
        code = (row.get("code") or "").strip()
        quote = row.get("quote") or ""
        if doc not in docs:
            raise QualcodeError(f"{where}: unknown document {doc!r} - import its transcript "
                                "first or fix the id")
        if code not in codes:
            raise QualcodeError(f"{where}: unknown code {code!r} - it is not in the codebook")
        occ_raw = (row.get("occurrence") or "").strip()
        try:
            occurrence = int(occ_raw) if occ_raw else None
        except ValueError:
            raise QualcodeError(f"{where}: occurrence must be a whole number") from None
        start, end = locate(docs[doc], quote, occurrence, f"{where} ({doc})",
                            hint="a number (1, 2, ...) in the row's occurrence column")
        out.append((n, doc, start, end, code, (row.get("memo") or "").strip()))
    return out
