"""`qualcode status`: what the store holds and what changed on disk since the last import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qualcode.converters import source_bytes
from qualcode.errors import QualcodeError
from qualcode.importer import REFI_PATH, sha256, transcript_files

if TYPE_CHECKING:
    from qualcode.workspace import Workspace


def project_status(ws: Workspace) -> dict[str, Any]:
    """Counts and disk changes, as plain data."""
    from qualcode.learn.persist import model_status, read_card
    from qualcode.store import codings, documents
    from qualcode.store.codes import active_codes

    model = None
    with ws.engine.connect() as conn:
        try:
            card = read_card(ws)
        except QualcodeError as exc:  # a damaged card: said, not fatal to status
            card, model = None, {"message": str(exc)}
        if card is not None:
            card_coders = card.get("coders_chosen", card.get("coders")) or None
            model = model_status(ws, latest_decision=codings.latest_decision(
                conn, card_coders), card=card)
        corpus = documents.corpus_counts(conn)
        codes = active_codes(conn)
        by = codings.status_counts(conn)
        flagged = codings.flagged(conn)
        stored = documents.stored_files(conn)
        from qualcode.store.media import media_rows

        recordings = media_rows(conn)
    new, changed = [], []
    on_disk = set()
    for path in transcript_files(ws.interviews_dir):
        rel = path.resolve().relative_to(ws.root).as_posix()
        on_disk.add(rel)
        if rel not in stored:
            new.append(rel)
        elif sha256(source_bytes(path)) != stored[rel][1]:
            changed.append(rel)
    missing = sorted(p for p in stored if p not in on_disk and not p.startswith(REFI_PATH))
    from qualcode.codebook_changes import lost_codes

    lost = [x.message for x in lost_codes(ws)]
    return {
        "project": ws.settings.name,
        "store": _display_url(ws.db_url, ws.root),
        **corpus,
        "codes": codes,
        "codings": [{"origin": o, "status": s, "count": n} for o, s, n in by],
        "flagged": flagged,
        "new_files": new,
        "changed_files": changed,
        "missing_files": missing,
        # codings on ids the YAML no longer has (with the rename to run, when one matches)
        "lost_codes": lost,
        # one line per recording that is missing, changed or out of bounds
        "media": media_problems(ws, recordings),
        "model": model["message"] if model else "none - qualcode train learns one",
    }


def media_problems(ws: Workspace, recordings: dict[str, Any]) -> list[str]:
    """One line per recording a transcript names that is not as imported."""
    from qualcode.media import MediaPathError, file_hash, resolve_media

    out = []
    for doc, m in sorted(recordings.items()):
        where = f"interviews/{m.path}"
        try:
            path = resolve_media(ws.interviews_dir, m.path)
        except MediaPathError as exc:
            out.append(f"{doc}: media {m.path!r} {exc} - fix media: in its front matter")
            continue
        if not path.is_file():
            out.append(f"{doc}: recording {where} is missing - put it back, or fix media: "
                       "in the transcript's front matter")
        elif m.size is None:
            out.append(f"{doc}: recording {where} is there now - run qualcode import to "
                       "link it")
        else:
            st = path.stat()
            if st.st_size != m.size or (st.st_mtime != m.mtime and file_hash(path) != m.sha256):
                out.append(f"{doc}: recording {where} changed since import - check it is "
                           "the right file, then run qualcode import")
    return out


def _display_url(url: str, root: Any) -> str:
    from qualcode.store.engine import safe_url

    prefix = f"sqlite:///{root}/"
    return url[len(prefix):] if url.startswith(prefix) else safe_url(url)
