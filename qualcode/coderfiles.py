"""Coders' manual codings kept as CSV files: `interviews/coded/<coder>.csv`.

Columns: document, quote, code, and optionally memo and occurrence. Each row becomes a
manual, accepted coding by the coder named by the file, anchored by its quote. The
file is the source of truth for those codings: when it changes, they are replaced.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, update

from qualcode.errors import QualcodeError
from qualcode.quotes import locate
from qualcode.store import schema as t
from qualcode.textio import decode_bytes
from qualcode.turnmap import document_locator

if TYPE_CHECKING:
    from qualcode.importer import ImportReport
    from qualcode.project import Project

REQUIRED = ("document", "quote", "code")


def import_coder_files(project: Project, report: ImportReport) -> dict[str, int]:
    """Load every changed `interviews/coded/*.csv`; returns codings per coder."""
    from qualcode.importer import CODED_DIR, log_event, now, sha256

    folder = project.interviews_dir / CODED_DIR
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    counts: dict[str, int] = {}
    known_codes = set(project.codebook.by_id())
    with project.engine.begin() as conn:
        docs = {r.id: r.text for r in conn.execute(select(t.documents.c.id, t.documents.c.text))}
        for path in files:
            rel = path.relative_to(project.root).as_posix()
            coder = path.stem
            data = path.read_bytes()
            key = f"coderfile:{rel}"
            digest = sha256(data)
            stored = conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar()
            if stored == digest:
                counts[coder] = conn.execute(
                    select(func.count()).select_from(t.codings)
                    .where(t.codings.c.source.like(f"{rel}:%"))).scalar_one()
                continue
            rows = _parse(rel, data, docs, known_codes)
            old_ids = list(conn.execute(select(t.codings.c.id)
                                        .where(t.codings.c.source.like(f"{rel}:%"))).scalars())
            if old_ids:
                conn.execute(delete(t.memos).where(t.memos.c.target_type == "coding",
                                                   t.memos.c.target_id.in_(
                                                       [str(i) for i in old_ids])))
                conn.execute(delete(t.codings).where(t.codings.c.id.in_(old_ids)))
            stamp = now()
            _ensure_coder(conn, coder, stamp)
            locators: dict[str, Any] = {}
            for line, doc, start, end, code, memo in rows:
                if doc not in locators:
                    locators[doc] = document_locator(conn, doc)
                speaker, case, unit = locators[doc](start)
                cid = conn.execute(insert(t.codings).values(
                    document_id=doc, start=start, end=end, text=docs[doc][start:end],
                    code_id=code, speaker=speaker, case_id=case, unit_id=unit, coder=coder,
                    origin="manual",
                    status="accepted",
                    anchor="ok", source=f"{rel}:{line}", created_at=stamp, updated_at=stamp,
                    decided_by=coder, decided_at=stamp,
                )).inserted_primary_key[0]
                if memo:
                    conn.execute(insert(t.memos).values(target_type="coding",
                                                        target_id=str(cid), coder=coder,
                                                        text=memo, created_at=stamp))
            if stored is None:
                conn.execute(insert(t.meta).values(key=key, value=digest))
            else:
                conn.execute(update(t.meta).where(t.meta.c.key == key).values(value=digest))
            log_event(conn, coder, "import-codings", rel,
                      {"codings": len(rows), "replaced": len(old_ids)})
            counts[coder] = len(rows)
    return counts


def _ensure_coder(conn: Any, coder: str, stamp: Any) -> None:
    if conn.execute(select(t.coders.c.name).where(t.coders.c.name == coder)).first() is None:
        conn.execute(insert(t.coders).values(name=coder, created_at=stamp))


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
