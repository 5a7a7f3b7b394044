"""The codebook panel's API: rename, merge, move, split, retire/restore codes, assign a
split code's waiting codings, and undo the last codebook change.

Each write calls the library (`qualcode.codebook_changes` through the `Project`) as the
session's coder, under the server's write lock: the YAML is edited in place and the
store changed in one transaction with one audit event, exactly as the CLI's `qualcode
codebook ...` does. A `UsageError` (unknown code, a cycle, a name clash, a read-only
file...) comes back as {"error": "one line"} and nothing changes. The codebook the
pages read (`reads.codebook`) is the project's, reloaded when a codebook file changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.routing import Route

from qualcode.server.errors import ServeError

if TYPE_CHECKING:
    from qualcode.codebook_changes import Change
    from qualcode.project import Project
    from qualcode.server.api import ServerState
    from qualcode.server.auth import Session

QUEUE_TEXT = 600  # characters of a waiting passage sent to the queue (the rest elided)


# --- request bodies ----------------------------------------------------------------------
def _str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ServeError(f"{key} is required")
    return value.strip()


def _opt_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ServeError(f"{key} must be text")
    return value.strip()


def _strs(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key)
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ServeError(f"{key} must be a list of code ids")
    out = [v.strip() for v in value if v.strip()]
    if not out:
        raise ServeError(f"{key} is required")
    return out


def _ints(body: dict[str, Any], key: str) -> list[int]:
    value = body.get(key)
    if not isinstance(value, list) or not value or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ServeError(f"{key} must be a list of coding ids")
    return value


def _bool(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise ServeError(f"{key} must be true or false")
    return value


# --- writes ------------------------------------------------------------------------------
def _run(ws: ServerState, session: Session, fn: Callable[[Project], Change],
         mapping: Callable[[Change], dict[str, str]] | None = None) -> dict[str, Any]:
    project = ws.as_coder(session)
    with ws.write_lock:
        change = fn(project)
        if mapping:
            _follow(ws, mapping(change))
    return {"kind": change.kind, "codes": change.codes, "message": change.message,
            "codings": change.codings, "folded": change.folded, "files": change.files}


def _follow(ws: ServerState, mapping: dict[str, str]) -> None:
    """Point the coding-undo stacks at the codes' new ids (a removed coding that `u`
    brings back is coded with the code it is on now)."""
    for stack in ws.history.values():
        for entry in stack:
            if entry.get("code") in mapping:
                entry["code"] = mapping[entry["code"]]


def rename(ws: ServerState, session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """{code, new?, name?}: a new id (default: the same) and/or a new name."""
    code = _str(body, "code")
    new = _opt_str(body, "new") or code
    name = _opt_str(body, "name")
    return _run(ws, session, lambda p: p.rename_code(code, new, name),
                lambda ch: {code: new} if new != code else {})


def merge(ws: ServerState, session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """{codes: [...], into, name?}: `into` is one of them, another code or a new id."""
    codes, into = _strs(body, "codes"), _str(body, "into")
    name = _opt_str(body, "name")
    return _run(ws, session, lambda p: p.merge_codes(codes, into, name),
                lambda ch: {c: into for c in codes if c != into})


def move(ws: ServerState, session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """{code, under} or {code, top: true}."""
    code, under, top = _str(body, "code"), _opt_str(body, "under"), _bool(body, "top")
    if (under is None) == (not top):
        raise ServeError("move: give either under (a parent code) or top: true")
    return _run(ws, session, lambda p: p.move_code(code, under, top))


def split(ws: ServerState, session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """{code, into: [x, y], names?: [...]}: new sub-codes; the codings wait in the queue."""
    code, into = _str(body, "code"), _strs(body, "into")
    names = _strs(body, "names") if body.get("names") else None
    return _run(ws, session, lambda p: p.split_code(code, into, names))


def retire(ws: ServerState, session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """{code, restore?: bool}."""
    code, restore = _str(body, "code"), _bool(body, "restore")
    return _run(ws, session, lambda p: p.retire_code(code, restore))


def assign(ws: ServerState, session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """{ids: [...], code}: move waiting codings to one part of a split code."""
    ids, code = _ints(body, "ids"), _str(body, "code")
    return _run(ws, session, lambda p: p.assign_codings(ids, code))


def undo(ws: ServerState, session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """Undo the last codebook change (by anyone: the codebook is shared)."""
    from qualcode.store.codechanges import last_change

    with ws.project.engine.connect() as conn:
        event = last_change(conn)
    mapping = ((event or {}).get("details") or {}).get("mapping") or {}
    return _run(ws, session, lambda p: p.undo_codebook(),
                lambda ch: {new: old for old, new in mapping.items() if new != old})


# --- reads -------------------------------------------------------------------------------
def _splits(project: Project) -> dict[str, list[str]]:
    """Split codes (splits not undone) -> their parts still in the codebook."""
    from qualcode.store.codechanges import changes

    with project.engine.connect() as conn:
        events = changes(conn)
    undone = {int(e["details"].get("event", 0)) for e in events
              if e["action"].endswith(".undo")}
    book = project.codebook.by_id()
    out: dict[str, list[str]] = {}
    for e in events:
        if not e["action"].endswith(".split") or e["id"] in undone:
            continue
        code = e["details"].get("code")
        if code in book:
            parts = out.setdefault(code, [])
            parts.extend(p for p in e["details"].get("into", []) if p in book and p not in parts)
    return {code: parts for code, parts in out.items() if parts}


def _briefer(project: Project) -> Callable[[str], dict[str, Any]]:
    """id -> {id, name, color} as the palette shows the code."""
    from qualcode.server.reads import codebook

    codes = {c["id"]: c for c in codebook(project)["codes"]}

    def brief(code: str) -> dict[str, Any]:
        c = codes.get(code, {})
        return {"id": code, "name": c.get("name", code), "color": c.get("color")}

    return brief


def panel(ws: ServerState, session: Session | None) -> dict[str, Any]:
    """What the panel shows besides the codebook: retired codes (to restore), the split
    codes with codings waiting, and the change `undo` would take back."""
    from qualcode.server.reads import PALETTE

    project = ws.project
    full = project.full_codebook
    active = set(project.codebook.by_id())
    retired = [{"id": c.id, "name": c.name, "color": c.color or PALETTE[i % len(PALETTE)],
                "parent": p.id if p else None, "retired": c.retired}
               for i, (c, p, _) in enumerate(full.walk()) if c.id not in active]
    queues, brief = [], _briefer(project)
    for code, parts in _splits(project).items():
        waiting = len(project.codebook_queue(code))
        if waiting:
            queues.append({**brief(code), "waiting": waiting,
                           "parts": [brief(p) for p in parts]})
    hist = project.codebook_history()
    hist = hist[(hist.change != "undo") & ~hist.undone]
    last = None
    if not hist.empty:
        r = hist.iloc[-1]
        last = {"change": r["change"], "code": r["code"],
                "summary": r["summary"] or f"{r['change']} {r['code']}",
                "coder": r["coder"], "at": r["at"].isoformat()}
    return {"retired": retired, "queues": queues, "last": last}


def queue(ws: ServerState, session: Session | None, code: str) -> dict[str, Any]:
    """The codings waiting directly on `code` (after a split), with their passages."""
    project = ws.project
    parts = _splits(project).get(code)
    if parts is None:
        parts = [c.id for c in project.codebook.by_id()[code].children] \
            if code in project.codebook.by_id() else []
    df = project.codebook_queue(code)  # an unknown code is a one-line error
    rows = []
    for r in df.sort_values(["document", "start", "id"]).to_dict("records"):
        text = r["text"] or ""
        rows.append({"id": int(r["id"]), "document": r["document"], "coder": r["coder"],
                     "origin": r["origin"], "status": r["status"],
                     "speaker": r["speaker"] if isinstance(r["speaker"], str) else None,
                     "text": text if len(text) <= QUEUE_TEXT else text[:QUEUE_TEXT] + "…"})
    brief = _briefer(project)
    return {**brief(code), "parts": [brief(p) for p in parts], "codings": rows}


def routes(ws: ServerState, endpoint: Callable[..., Any]) -> list[Route]:
    """The panel's routes, wrapped by the app's `endpoint` (session, CSRF, errors)."""
    def w(path: str, fn: Callable[..., Any]) -> Route:
        return Route(path, endpoint(ws, lambda w_, s, q, b: fn(w_, s, b), write=True),
                     methods=["POST"])

    def code_of(request: Request) -> str:
        return request.path_params["code"]

    return [
        Route("/api/codebook/panel", endpoint(ws, lambda w_, s, q, b: panel(w_, s))),
        Route("/api/codebook/queue/{code}",
              endpoint(ws, lambda w_, s, q, b: queue(w_, s, code_of(q)))),
        w("/api/codebook/rename", rename),
        w("/api/codebook/merge", merge),
        w("/api/codebook/move", move),
        w("/api/codebook/split", split),
        w("/api/codebook/retire", retire),
        w("/api/codebook/assign", assign),
        w("/api/codebook/undo", undo),
    ]
