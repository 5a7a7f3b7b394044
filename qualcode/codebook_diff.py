"""`qualcode codebook diff`: what changed between two versions of the codebook (git
revisions of `codebook/`, folders, YAML files or REFI-QDA .qdc files): codes added,
removed, renamed (matched by the audit trail, a GUID or their content), merged (by the
audit trail), moved and edited, with how many codings of the store each change
touches."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import CodebookError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.codebook import Code, Codebook
    from qualcode.workspace import Workspace

COLUMNS = ["change", "code", "was", "parent", "detail", "codings"]
WORKING = "working tree"
_FIELDS = ("name", "color", "description", "include", "exclude", "examples", "rules",
           "retired")


def codebook_diff(ws: Workspace, old: str | None = None, new: str | None = None
                  ) -> pd.DataFrame:
    """Changes from `old` to `new`: each a git revision (of the project's repository), a
    codebook folder, a YAML file or a .qdc; `old` defaults to HEAD and `new` to the
    codebook as it is now. One row per changed code: change (added, removed, renamed,
    merged, moved, edited), code, was (its earlier id), parent, detail, codings (in the
    store now, on the code and its earlier id)."""
    import pandas as pd

    from qualcode.store.codechanges import changes, counts

    a = _load(ws, old or "HEAD")
    b = ws.full_codebook if new is None else _load(ws, new)
    ia, ib = a.by_id(), b.by_id()
    pa, pb = a.parents(), b.parents()
    removed = [c for c in ia if c not in ib]
    added = [c for c in ib if c not in ia]
    with ws.engine.connect() as conn:
        events = changes(conn)
    trail = {e["details"].get("from"): e["details"].get("to")
             for e in events if e["action"] == "codebook.rename"}
    merged_into = {s: e["details"].get("to") for e in events
                   if e["action"] == "codebook.merge" for s in e["details"].get("from") or []}
    renamed: dict[str, str] = {}
    for r in removed:
        target = trail.get(r)
        while target is not None and target not in added and target in trail:
            target = trail.get(target)  # renamed twice since
        if target in added and target not in renamed.values():
            renamed[r] = target
            continue
        match = [x for x in added if x not in renamed.values() and _same_code(ia[r], ib[x])]
        if len(match) == 1:
            renamed[r] = match[0]
    rows = []
    for r, x in renamed.items():
        detail = ", ".join(_edits(ia[r], ib[x])) or "same definition"
        rows.append(("renamed", x, r, pb.get(x), detail))
    for x in added:
        if x not in renamed.values():
            rows.append(("added", x, None, pb.get(x), ib[x].name))
    for r in removed:
        if r not in renamed:
            into = merged_into.get(r)
            if into in ib:
                rows.append(("merged", into, r, pb.get(into), f"{r} merged into {into}"))
            else:
                rows.append(("removed", None, r, pa.get(r), ia[r].name))
    for c in ia:
        if c in ib:
            if renamed.get(pa.get(c) or "", pa.get(c)) != pb.get(c):  # a renamed parent
                # is no move
                rows.append(("moved", c, None, pb.get(c),
                             f"from {pa.get(c) or 'the top'} to {pb.get(c) or 'the top'}"))
            edits = _edits(ia[c], ib[c])
            if edits:
                rows.append(("edited", c, None, pb.get(c), ", ".join(edits)))
    ids = sorted({i for row in rows for i in (row[1], row[2]) if i})
    with ws.engine.connect() as conn:
        n = counts(conn, ids) if ids else {}
    out = [{"change": ch, "code": code or "", "was": was or "", "parent": parent or "",
            "detail": detail,
            "codings": n.get(code or "", 0) + (n.get(was, 0) if was and was != code else 0)}
           for ch, code, was, parent, detail in rows]
    return pd.DataFrame(out, columns=COLUMNS)


def _same_code(a: Code, b: Code) -> bool:
    """The same code under another id: the same GUID, or the same name, description or
    rules (non-empty)."""
    def norm(s: str) -> str:
        return " ".join(s.split()).casefold()

    if a.guid and a.guid == b.guid:
        return True
    if norm(a.name) == norm(b.name) or (a.description.strip() and
                                        norm(a.description) == norm(b.description)):
        return True
    return bool(a.rules) and _dump(a)["rules"] == _dump(b)["rules"]


def _dump(c: Code) -> dict:
    return c.model_dump(include=set(_FIELDS))


def _edits(a: Code, b: Code) -> list[str]:
    da, db = _dump(a), _dump(b)
    out = []
    for f in _FIELDS:
        if da[f] != db[f]:
            if f == "name":
                out.append(f"name {a.name!r} -> {b.name!r}")
            elif f == "rules":
                na = sum(len(v) for v in a.rules.values())
                nb = sum(len(v) for v in b.rules.values())
                out.append(f"rules {na} -> {nb}" if na != nb else "rules")
            elif f == "retired":
                out.append("retired" if b.retired else "restored")
            else:
                out.append(f)
    return out


def _load(ws: Workspace, spec: str) -> Codebook:
    """A codebook from a path (folder, YAML, .qdc) or a git revision."""
    from qualcode.codebook import load_codebook, load_codebook_files

    path = Path(spec)
    if not path.is_absolute() and not path.exists():
        path = ws.root / spec if (ws.root / spec).exists() else path
    try:
        if path.is_dir():
            return load_codebook(path)
        if path.is_file():
            if path.suffix.lower() in (".qdc", ".qdpx", ".qde"):
                return _from_refi(path)
            return load_codebook_files([path])
    except CodebookError as exc:
        raise UsageError(f"{spec}: not a valid codebook ({exc})") from exc
    return _from_git(ws, spec)


def _from_refi(path: Path) -> Codebook:
    from qualcode.codebook import Codebook
    from qualcode.refi.codebook_map import refi_to_codebook
    from qualcode.refi.read import read_qdc

    book = refi_to_codebook(read_qdc(path).codes, path.stem).book
    return Codebook(codebook=book.codebook, version=book.version, codes=book.codes)


def _git(ws: Workspace, *args: str) -> str:
    try:
        res = subprocess.run(["git", "-C", str(ws.root), *args], capture_output=True,
                             text=True, timeout=60)
    except FileNotFoundError as exc:
        raise UsageError("git is not installed - compare two codebook files or folders "
                         "instead") from exc
    if res.returncode != 0:
        raise UsageError(res.stderr.strip().splitlines()[-1] if res.stderr.strip() else
                         f"git {' '.join(args)} failed")
    return res.stdout


def _from_git(ws: Workspace, rev: str) -> Codebook:
    from qualcode.codebook import Codebook, load_codebook_files

    try:
        inside = _git(ws, "rev-parse", "--is-inside-work-tree").strip()
    except UsageError:
        inside = ""
    if inside != "true":
        raise UsageError(f"{rev}: no such file or folder, and {ws.root} is not in a git "
                         "repository - compare two codebook files or folders")
    prefix = _git(ws, "rev-parse", "--show-prefix").strip()
    folder = f"{prefix}{ws.codebook_dir.name}/"
    try:
        listing = _git(ws, "ls-tree", "--name-only", rev, folder)
    except UsageError as exc:
        raise UsageError(f"{rev}: not a file, folder or git revision ({exc})") from exc
    names = [n for n in listing.splitlines() if n.endswith((".yaml", ".yml"))]
    if not names:
        return Codebook()
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for name in names:
            dest = Path(tmp) / Path(name).name
            dest.write_text(_git(ws, "show", f"{rev}:{name}"), encoding="utf-8")
            files.append(dest)
        try:
            return load_codebook_files(sorted(files))
        except CodebookError as exc:
            raise UsageError(f"{rev}: its codebook does not load ({exc})") from exc
