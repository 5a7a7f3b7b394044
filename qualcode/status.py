"""`qualcode status`: what the store holds and what changed on disk since the last import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from qualcode.converters import source_bytes
from qualcode.importer import sha256, transcript_files
from qualcode.store import schema as t

if TYPE_CHECKING:
    from qualcode.project import Project


def project_status(project: Project) -> dict[str, Any]:
    """Counts and disk changes, as plain data."""
    with project.engine.connect() as conn:
        docs = conn.execute(select(func.count()).select_from(t.documents)).scalar_one()
        words = conn.execute(select(func.coalesce(func.sum(t.documents.c.respondent_words), 0))
                             ).scalar_one()
        turns = conn.execute(select(func.count()).select_from(t.turns)).scalar_one()
        cases = conn.execute(select(func.count(func.distinct(t.turns.c.case_id)))
                             .where(t.turns.c.role == "respondent")).scalar_one()
        codes = conn.execute(select(func.count()).select_from(t.codes)
                             .where(t.codes.c.active.is_(True))).scalar_one()
        by = conn.execute(select(t.codings.c.origin, t.codings.c.status, func.count())
                          .group_by(t.codings.c.origin, t.codings.c.status)).all()
        flagged = conn.execute(
            select(t.codings.c.id, t.codings.c.document_id, t.codings.c.code_id,
                   t.codings.c.coder, t.codings.c.anchor)
            .where(t.codings.c.anchor != "ok").order_by(t.codings.c.id)).all()
        stored = {r.path: (r.id, r.file_hash) for r in
                  conn.execute(select(t.documents.c.path, t.documents.c.id,
                                      t.documents.c.file_hash))}
    new, changed = [], []
    on_disk = set()
    for path in transcript_files(project.interviews_dir):
        rel = path.resolve().relative_to(project.root).as_posix()
        on_disk.add(rel)
        if rel not in stored:
            new.append(rel)
        elif sha256(source_bytes(path)) != stored[rel][1]:
            changed.append(rel)
    missing = sorted(p for p in stored if p not in on_disk)
    return {
        "project": project.settings.name,
        "store": _display_url(project.db_url, project.root),
        "documents": docs,
        "cases": cases,
        "turns": turns,
        "respondent_words": int(words),
        "codes": codes,
        "codings": [{"origin": o, "status": s, "count": n} for o, s, n in sorted(by)],
        "flagged": [dict(r._mapping) for r in flagged],
        "new_files": new,
        "changed_files": changed,
        "missing_files": missing,
    }


def _display_url(url: str, root: Any) -> str:
    from qualcode.store.engine import safe_url

    prefix = f"sqlite:///{root}/"
    return url[len(prefix):] if url.startswith(prefix) else safe_url(url)
