"""Carry what hangs on code ids (codings, review decisions, proposals, memos) to new ids
when the codebook changes, and put it back on undo. One transaction per change; the
audit event holds what undo needs (ids moved, codings folded into a duplicate)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from qualcode.store import schema as t
from qualcode.store.memos import log_event

ACTION = "codebook"  # events of codebook changes: action "codebook.rename", ...
_STATUS_RANK = {"accepted": 0, "suggested": 1, "rejected": 2}


def recode(conn: Connection, mapping: dict[str, str]) -> dict[str, Any]:
    """Move every coding, proposal and code memo of each old id to its new id. Where two
    codings of one coder now cover the same span with the same code, one stays (accepted
    before suggested before rejected, then the oldest) and the other's memos move to it.
    Returns what undo needs."""
    c, m = t.codings.c, t.memos.c
    undo: dict[str, Any] = {"codings": {}, "proposed": {}, "memos": {}, "folded": [],
                            "memo_moves": {}}
    olds = [o for o, n in mapping.items() if o != n]
    targets = sorted({mapping[o] for o in olds})
    before = counts(conn, targets)
    proposed_of: dict[str, list[int]] = {o: [] for o in olds}
    for cid, prop in conn.execute(select(c.id, c.proposed_code)
                                  .where(c.proposed_code.in_(olds))):
        proposed_of[prop].append(cid)
    for old in olds:
        new = mapping[old]
        ids = list(conn.execute(select(c.id).where(c.code_id == old)
                                .order_by(c.status, c.unit_id)).scalars())  # index order
        undo["codings"][old] = ids
        if not before.get(new) and list(mapping.values()).count(new) == 1:
            # a plain rename: undo takes back every coding on the new id, those made since too
            undo.setdefault("renamed", {})[old] = new
        _set_code(conn, ids, new)
        prop = proposed_of[old]
        undo["proposed"][old] = prop
        if prop:
            conn.execute(update(t.codings).where(c.proposed_code == old)
                         .values(proposed_code=new))
        memo_ids = list(conn.execute(select(m.id).where(
            and_(m.target_type == "code", m.target_id == old))).scalars())
        undo["memos"][old] = memo_ids
        if memo_ids:
            conn.execute(update(t.memos).where(m.id.in_(memo_ids)).values(target_id=new))
    # two codings can only meet on a code that had codings or gets several codes' codings
    sources: dict[str, int] = {}
    for old, new in mapping.items():
        if old != new:
            sources[new] = sources.get(new, 0) + 1
    targets = sorted(n for n, k in sources.items() if k > 1 or before.get(n))
    if targets:
        _fold_duplicates(conn, targets, undo)
    return undo


def _set_code(conn: Connection, ids: list[int], code: str) -> None:
    """Set the code of these codings. On SQLite, row by row in the order of the analysis
    index (status, unit): the index pages are then touched once each, which makes moving
    100,000 codings several times faster than one UPDATE ... WHERE code_id = old."""
    if not ids:
        return
    c = t.codings.c
    if conn.dialect.name == "sqlite":  # the driver's executemany: no per-row compiling
        conn.exec_driver_sql(f"UPDATE {t.codings.name} SET code_id = ? WHERE id = ?",
                             [(code, i) for i in ids])
        return
    for chunk in _chunks(ids):
        conn.execute(update(t.codings).where(c.id.in_(chunk)).values(code_id=code))


def _fold_duplicates(conn: Connection, codes: list[str], undo: dict[str, Any]) -> None:
    c = t.codings.c
    key = (c.document_id, c.start, c.end, c.code_id, c.coder)
    dup = (select(*key).where(c.code_id.in_(codes)).group_by(*key)
           .having(func.count() > 1).subquery())
    rows = conn.execute(select(t.codings).join(dup, and_(
        c.document_id == dup.c.document_id, c.start == dup.c.start, c.end == dup.c.end,
        c.code_id == dup.c.code_id, c.coder == dup.c.coder))).all()
    groups: dict[tuple, list] = {}
    for r in rows:
        groups.setdefault((r.document_id, r.start, r.end, r.code_id, r.coder), []).append(r)
    for same in groups.values():
        same.sort(key=lambda r: (_STATUS_RANK.get(r.status, 9), r.id))
        keep, drop = same[0], same[1:]
        for r in drop:
            undo["folded"].append(_plain(dict(r._mapping)))
            moved = list(conn.execute(select(t.memos.c.id).where(and_(
                t.memos.c.target_type == "coding", t.memos.c.target_id == str(r.id))))
                .scalars())
            if moved:
                conn.execute(update(t.memos).where(t.memos.c.id.in_(moved))
                             .values(target_id=str(keep.id)))
                undo["memo_moves"][str(r.id)] = moved
            _move_links(conn, r.id, keep.id, undo)
        conn.execute(delete(t.codings).where(c.id.in_([r.id for r in drop])))


def _move_links(conn: Connection, dropped: int, kept: int, undo: dict[str, Any]) -> None:
    """Memo links to a folded coding point to the coding kept (a memo already linking to
    both keeps one link; the other is remembered for undo)."""
    lk = t.memo_links.c
    on_kept = set(conn.execute(select(lk.memo_id).where(and_(
        lk.target_type == "coding", lk.target_id == str(kept)))).scalars())
    rows = conn.execute(select(t.memo_links).where(and_(
        lk.target_type == "coding", lk.target_id == str(dropped)))).all()
    for r in rows:
        if r.memo_id in on_kept:
            undo.setdefault("links_dropped", []).append(_plain(dict(r._mapping)))
            conn.execute(delete(t.memo_links).where(lk.id == r.id))
        else:
            undo.setdefault("links_moved", {}).setdefault(str(dropped), []).append(r.id)
            conn.execute(update(t.memo_links).where(lk.id == r.id)
                         .values(target_id=str(kept)))


def undo_recode(conn: Connection, undo: dict[str, Any]) -> None:
    """Put back what `recode` moved (folded duplicates re-inserted with their ids)."""
    c, m = t.codings.c, t.memos.c
    if undo.get("added_memos"):  # the memos the change itself wrote
        conn.execute(delete(t.memos).where(m.id.in_(undo["added_memos"])))
    for row in undo.get("folded", []):
        conn.execute(insert(t.codings).values(**_typed(row)))
    for coding, memo_ids in undo.get("memo_moves", {}).items():
        conn.execute(update(t.memos).where(m.id.in_(memo_ids)).values(target_id=coding))
    lk = t.memo_links.c
    for coding, link_ids in undo.get("links_moved", {}).items():
        conn.execute(update(t.memo_links).where(lk.id.in_(link_ids)).values(target_id=coding))
    for row in undo.get("links_dropped", []):
        conn.execute(insert(t.memo_links).values(**_typed(row)))
    renamed = undo.get("renamed", {})
    for old, ids in undo.get("codings", {}).items():
        if old in renamed:  # everything on the new id goes back, codings made since too
            ids = list(conn.execute(select(c.id).where(c.code_id == renamed[old])
                                    .order_by(c.status, c.unit_id)).scalars())
            conn.execute(update(t.codings).where(c.proposed_code == renamed[old])
                         .values(proposed_code=old))
            conn.execute(update(t.memos).where(and_(m.target_type == "code",
                                                    m.target_id == renamed[old]))
                         .values(target_id=old))
        _set_code(conn, ids, old)
    for old, ids in undo.get("proposed", {}).items():
        for chunk in _chunks(ids):
            conn.execute(update(t.codings).where(c.id.in_(chunk)).values(proposed_code=old))
    for old, ids in undo.get("memos", {}).items():
        for chunk in _chunks(ids):
            conn.execute(update(t.memos).where(m.id.in_(chunk)).values(target_id=old))


def reassign(conn: Connection, ids: list[int], code: str) -> dict[str, list[int]]:
    """Move these codings to `code`; returns their earlier code -> ids (for undo)."""
    c = t.codings.c
    before: dict[str, list[int]] = {}
    for chunk in _chunks(ids):
        for cid, old in conn.execute(select(c.id, c.code_id).where(c.id.in_(chunk))):
            before.setdefault(old, []).append(cid)
        conn.execute(update(t.codings).where(c.id.in_(chunk)).values(code_id=code))
    return before


def counts(conn: Connection, codes: list[str], statuses: list[str] | None = None
           ) -> dict[str, int]:
    """Codings per code id (of these statuses; any when None)."""
    c = t.codings.c
    q = select(c.code_id, func.count()).where(c.code_id.in_(codes))
    if statuses:
        q = q.where(c.status.in_(statuses))
    rows = conn.execute(q.group_by(c.code_id)).all()
    found = {code: int(n) for code, n in rows}
    return {code: found.get(code, 0) for code in codes}


def log_change(conn: Connection, coder: str | None, kind: str, target: str,
               details: dict[str, Any]) -> None:
    log_event(conn, coder, f"{ACTION}.{kind}", target, details)


def last_change(conn: Connection) -> dict[str, Any] | None:
    """The newest codebook change not undone yet."""
    e = t.events.c
    rows = conn.execute(select(t.events).where(e.action.like(f"{ACTION}.%"))
                        .order_by(e.id.desc())).all()
    undone: set[int] = set()
    for r in rows:
        if r.action == f"{ACTION}.undo":
            undone.add(int(r.details.get("event", 0)))
            continue
        if r.id not in undone:
            return dict(r._mapping)
    return None


def changes(conn: Connection, code: str | None = None) -> list[dict[str, Any]]:
    """Codebook change events, oldest first (those naming `code` when given)."""
    e = t.events.c
    rows = conn.execute(select(t.events).where(e.action.like(f"{ACTION}.%"))
                        .order_by(e.id)).all()
    out = [dict(r._mapping) for r in rows]
    if code is not None:
        out = [r for r in out if code in (r["details"].get("codes") or [r["target"]])]
    return out


def _chunks(ids: list[int], size: int = 5000):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


_TIMES = {"created_at", "updated_at", "decided_at"}  # stored as ISO text in the event


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (datetime.fromisoformat(v) if k in _TIMES and isinstance(v, str) else v)
            for k, v in row.items()}


def off_codebook(conn: Connection, known: set[str]) -> dict[str, dict[str, Any]]:
    """Codes that codings (or code memos) are on but the codebook no longer has: id ->
    codings count and what the store last knew of the code (name, description, color,
    parent)."""
    c = t.codings.c
    rows = conn.execute(select(c.code_id, func.count()).group_by(c.code_id)).all()
    out = {code: {"codings": int(n)} for code, n in rows if code not in known}
    memo = t.memos.c
    for code in conn.execute(select(memo.target_id).where(memo.target_type == "code")
                             .distinct()).scalars():
        if code not in known:
            out.setdefault(code, {"codings": 0})
    if out:
        for r in conn.execute(select(t.codes).where(t.codes.c.id.in_(list(out)))):
            out[r.id].update(name=r.name, description=r.description, color=r.color,
                             parent=r.parent_id)
    return out
