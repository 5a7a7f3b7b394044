"""Change the codebook without losing what hangs on it: rename, merge, move, split,
retire (and restore) codes, and undo the last change.

Each change edits the YAML file(s) holding the code in place (qualcode.codebook_yaml:
comments and formatting of the rest kept), carries every coding, review decision,
proposal, memo and learned-model label to the new id in one store transaction, and
writes one audit event holding what `undo` needs (the files as they were, the ids
moved). Bad input is one line and changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.codebook_yaml import CodebookText, flow, new_code_block
from qualcode.errors import CodebookError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.codebook import Code, Codebook
    from qualcode.workspace import Workspace


@dataclass
class Change:
    """What a codebook change did."""

    kind: str
    codes: list[str]
    message: str
    codings: int = 0  # codings carried to a new id (or waiting, for split)
    folded: int = 0  # duplicate codings folded into one by a merge
    files: list[str] = field(default_factory=list)


# --- the operations --------------------------------------------------------------------
def rename(ws: Workspace, old: str, new: str, name: str | None = None) -> Change:
    """Give code `old` the id `new` (and the name `name`); everything on it follows."""
    book = ws.full_codebook
    if old not in book.by_id() and new in book.by_id() and name is None:
        return _adopt(ws, old, new)
    _known(book, [old])
    if new != old:
        _free(book, new, hint=f"merge {old} into it with qualcode codebook merge {old} "
                              f"--into {new}")
    elif name is None:
        raise UsageError(f"{old}: nothing to change - give a new id or --name")
    if name is not None:
        _name_free(book, name, but=old)
    edit = _Edit(ws)
    text = edit.file_of(old)
    code = book.by_id()[old]
    if new != old:
        if not code.guid:  # keep the REFI GUID it was exported with: the same code
            from qualcode.refi.model import stable_guid

            text.set_value(old, "guid", stable_guid("code", old))
        text.set_value(old, "id", new)
    if name is not None:
        text.set_value(new, "name", name)
    label = f"{old} -> {new}" if new != old else f"{old}: name {name!r}"
    return edit.commit("rename", old, {old: new}, [old, new], f"renamed {label}",
                       {"from": old, "to": new, "name": name})


def _adopt(ws: Workspace, old: str, new: str) -> Change:
    """A rename made by hand in the YAML: carry the store's rows of `old` to `new`."""
    if not any(lost.code == old for lost in lost_codes(ws)):
        raise UsageError(f"unknown code(s) {old} - see qualcode codebook show")
    edit = _Edit(ws)
    return edit.commit("rename", old, {old: new}, [old, new],
                       f"renamed {old} -> {new} (the YAML was edited by hand)",
                       {"from": old, "to": new, "name": None, "by_hand": True})


def merge(ws: Workspace, codes: list[str], into: str, name: str | None = None) -> Change:
    """Merge `codes` into `into` (one of them, another code, or a new code placed where
    the first of them is): codings, memos, rules, examples and sub-codes move to it."""
    book = ws.full_codebook
    codes = list(dict.fromkeys(codes))
    _known(book, codes)
    sources = [c for c in codes if c != into]
    if not sources:
        raise UsageError(f"merge {into} into itself: name at least one other code")
    ids = book.by_id()
    for s in sources:
        if into in book.descendants(s):
            raise UsageError(f"cannot merge {s} into its own sub-code {into} - move {into} "
                             f"out first (qualcode codebook move {into} --top)")
    edit = _Edit(ws)
    created = into not in ids
    if created:
        _free(book, into)
        label = name or into.replace("_", " ").capitalize()
        _name_free(book, label, but=None)
        first = ids[sources[0]]
        extra = {}
        if first.color:
            extra["color"] = flow(first.color)
        if first.description.strip():
            extra["description"] = flow(" ".join(first.description.split()))
        edit.file_of(sources[0]).insert(new_code_block(into, label, extra),
                                        None, before=sources[0])
    elif name is not None:
        _name_free(book, name, but=into)
        edit.file_of(into).set_value(into, "name", name)
    target = ids.get(into)
    have_rules = {lang: [r.model_dump(exclude_defaults=True) for r in rules]
                  for lang, rules in (target.rules.items() if target else [])}
    have_examples = set(target.examples) if target else set()
    for s in sources:
        code = ids[s]
        for lang, rules in code.rules.items():
            new_items = []
            for r in rules:
                dumped = r.model_dump(exclude_defaults=True)
                if dumped in have_rules.setdefault(lang, []):
                    continue
                have_rules[lang].append(dumped)
                new_items.append(flow(r.phrase if set(dumped) == {"phrase"} else dumped))
            edit.file_of(into).append_items(into, "rules", new_items, lang=lang)
        extra_examples = [e for e in code.examples if e not in have_examples]
        have_examples.update(extra_examples)
        edit.file_of(into).append_items(into, "examples", [flow(e) for e in extra_examples])
        for child in [c.id for c in code.children]:
            edit.move(child, into)
        edit.file_of(s).cut(s)
    mapping = {s: into for s in sources}
    for s in sources:  # a merged code's definition is kept, as a memo on the code it joined
        code = ids[s]
        parts = [f"{k}: {' '.join(v.split())}" for k, v in (
            ("description", code.description), ("include", code.include),
            ("exclude", code.exclude)) if v.strip()]
        if parts:
            edit.memos.append(("code", into, f"Merged from {s} ({code.name}). "
                               + " ".join(parts)))
    return edit.commit("merge", into, mapping, [*sources, into],
                       f"merged {', '.join(sources)} into {into}"
                       + (" (new)" if created else ""),
                       {"from": sources, "to": into, "created": created, "name": name})


def move(ws: Workspace, code: str, under: str | None = None, top: bool = False) -> Change:
    """Move a code (with its sub-codes) under another code, or to the top level."""
    if (under is None) == (not top):
        raise UsageError("move: give either --under PARENT or --top")
    book = ws.full_codebook
    _known(book, [code] + ([under] if under else []))
    parent = book.parents().get(code)
    if under is not None and under in book.descendants(code):
        raise UsageError(f"cannot move {code} under {under}: {under} is {code} or one of its "
                         "sub-codes (a cycle)")
    if parent == under:
        where = f"under {under}" if under else "at the top level"
        raise UsageError(f"{code} is already {where} - nothing to change")
    edit = _Edit(ws)
    edit.move(code, under)
    where = f"under {under}" if under else "to the top level"
    return edit.commit("move", code, {}, [code], f"moved {code} {where}",
                       {"code": code, "from": parent, "to": under})


def split(ws: Workspace, code: str, into: list[str],
          names: list[str] | None = None) -> Change:
    """Add sub-codes `into` to `code`; its codings stay on it until a person assigns
    each to one of them (`assign`, or the browser's queue)."""
    book = ws.full_codebook
    _known(book, [code])
    into = list(dict.fromkeys(i.strip() for i in into if i.strip()))
    if len(into) < 2:
        raise UsageError(f"split {code}: give at least two new codes (--into X,Y)")
    names = list(names or [])
    if names and len(names) != len(into):
        raise UsageError(f"split {code}: {len(into)} codes but {len(names)} names")
    labels = names or [i.replace("_", " ").capitalize() for i in into]
    for new, label in zip(into, labels, strict=True):
        _free(book, new)
        _name_free(book, label, but=None)
    edit = _Edit(ws)
    for new, label in zip(into, labels, strict=True):
        edit.file_of(code).insert(new_code_block(new, label), code)
    change = edit.commit("split", code, {}, [code, *into],
                         f"split {code} into {', '.join(into)}",
                         {"code": code, "into": into})
    waiting = len(queue(ws, code))
    change.codings = waiting
    change.message += (f"; {waiting} coding(s) of {code} wait to be assigned to one of them "
                       f"(qualcode codebook queue {code})")
    return change


def retire(ws: Workspace, code: str, restore: bool = False) -> Change:
    """Retire a code (kept with its codings, out of counts, suggestions and the palette),
    or bring a retired code back."""
    book = ws.full_codebook
    _known(book, [code])
    current = book.by_id()[code]
    if restore and not current.retired:
        raise UsageError(f"{code} is not retired - nothing to restore")
    if not restore and current.retired:
        raise UsageError(f"{code} is retired already (--restore brings it back)")
    edit = _Edit(ws)
    text = edit.file_of(code)
    if restore:
        text.remove_key(code, "retired")
    else:
        text.set_value(code, "retired", "true")
    kind = "restore" if restore else "retire"
    n = sum(_counts(ws, book.descendants(code)).values())
    change = edit.commit(kind, code, {}, [code],
                         f"{'restored' if restore else 'retired'} {code} ({n} coding(s) "
                         f"{'count again' if restore else 'kept, not counted'})", {"code": code})
    change.codings = n
    return change


def assign(ws: Workspace, coding_ids: list[int], code: str) -> Change:
    """Move codings to `code` (sorting a split code's codings into its parts)."""
    from qualcode.store.codechanges import log_change, reassign

    book = ws.codebook
    _known(book, [code])
    ids = sorted({int(i) for i in coding_ids})
    if not ids:
        raise UsageError("assign: give at least one coding id")
    with ws.engine.begin() as conn:
        before = reassign(conn, ids, code)
        found = {i for moved in before.values() for i in moved}
        missing = [i for i in ids if i not in found]
        if missing:  # raising rolls the transaction back: nothing moved
            raise UsageError(f"no coding {', '.join(map(str, missing[:5]))} - see qualcode "
                             "export codings")
        log_change(conn, ws.coder, "assign", code,
                   {"codes": [*before, code], "to": code, "undo": {"codings": before},
                    "codings": len(ids),
                    "summary": f"assigned {len(ids)} coding(s) of "
                               f"{', '.join(sorted(before))} to {code}"})
    return Change("assign", [code], f"assigned {len(ids)} coding(s) to {code}", len(ids))


def undo(ws: Workspace) -> Change:
    """Undo the last codebook change: the YAML files as they were, and every coding,
    decision, memo and model label back on its earlier id."""
    from qualcode.store.codechanges import last_change, log_change, undo_recode
    from qualcode.store.codes import sync_codes

    with ws.engine.connect() as conn:
        event = last_change(conn)
    if event is None:
        raise UsageError("no codebook change to undo")
    details = event["details"]
    restore: dict[Path, str] = {}
    for rel, text in (details.get("files") or {}).items():
        path = ws.root / rel
        now = path.read_text(encoding="utf-8") if path.is_file() else None
        if now is not None and _sha(now) != details["after"].get(rel):
            raise UsageError(f"{rel} changed since the {event['action'].split('.', 1)[1]} - "
                             "undo would overwrite those edits; undo them by hand first")
        restore[path] = text
    _writable(list(restore))
    book = _validate(ws, restore) if restore else ws.full_codebook
    old_texts = {p: p.read_text(encoding="utf-8") for p in restore if p.is_file()}
    with ws.engine.begin() as conn:
        undo_recode(conn, details.get("undo") or {})
        sync_codes(conn, book.active())
        what = event["action"].split(".", 1)[1]
        log_change(conn, ws.coder, "undo", event["target"] or "",
                   {"event": int(event["id"]), "codes": details.get("codes", []),
                    "summary": f"undid #{event['id']} ({details.get('summary') or what})"})
        _write_files(restore, old_texts)
    mapping = details.get("mapping") or {}
    _relabel_model(ws, {new: old for old, new in mapping.items()})
    what = event["action"].split(".", 1)[1]
    return Change("undo", list(details.get("codes", [])),
                  f"undid the {what} of {event['target']} ({event['at']:%Y-%m-%d %H:%M})",
                  files=[str(p.relative_to(ws.root)) for p in restore])


@dataclass
class LostCode:
    """A code id that codings are on but the codebook no longer has, with the codes that
    look like it under a new id (a rename made by hand in the YAML)."""

    code: str
    codings: int
    candidates: list[str]

    @property
    def message(self) -> str:
        text = f"{self.codings} coding(s) on {self.code}, a code no longer in the codebook"
        if len(self.candidates) == 1:
            new = self.candidates[0]
            return (f"{text} - renamed by hand to {new}? qualcode codebook rename "
                    f"{self.code} {new} carries them")
        if self.candidates:
            return (f"{text} - renamed by hand to one of {', '.join(self.candidates)}? "
                    f"qualcode codebook rename {self.code} NEW carries them")
        return (f"{text} - put it back in codebook/, or merge them: qualcode codebook "
                f"rename {self.code} NEW")


def lost_codes(ws: Workspace) -> list[LostCode]:
    """Codes with codings or memos that the YAML no longer has, each with the codes of
    the codebook that match it by name, description or colour and place and have no
    decided coding yet, only suggestions (what a hand rename leaves behind). None while
    the codebook does not load."""
    from qualcode.store.codechanges import counts, off_codebook

    try:
        book = ws.full_codebook
    except CodebookError:  # no codebook, or a broken one: `codebook validate` says what
        return []
    ids = book.by_id()
    parents = book.parents()
    with ws.engine.connect() as conn:
        gone = off_codebook(conn, set(ids))
        used = counts(conn, list(ids), statuses=["accepted", "rejected"]) if gone else {}
    empty = [c for c in ids if not used.get(c)]  # nothing decided on it yet
    out = []
    for code, info in sorted(gone.items()):
        def same(a: str | None, b: str | None) -> bool:
            return bool(a and b and " ".join(a.split()).casefold() ==
                        " ".join(b.split()).casefold())
        found = [c for c in empty if c != code and (
            same(ids[c].name, info.get("name")) or same(ids[c].description,
                                                         info.get("description"))
            or (info.get("color") and ids[c].color == info.get("color")
                and parents.get(c) == info.get("parent")))]
        out.append(LostCode(code, info["codings"], found))
    return out


# --- reading ---------------------------------------------------------------------------
def queue(ws: Workspace, code: str) -> pd.DataFrame:
    """Codings directly on `code` (not on a sub-code): after a split, those still to be
    assigned to one of its parts."""
    from qualcode import datasets

    _known(ws.full_codebook, [code])
    df = datasets.codings(ws)
    return df[(df.code == code) & (df.status != "rejected")].reset_index(drop=True)


def history(ws: Workspace, code: str | None = None) -> pd.DataFrame:
    """The codebook's change log (of one code when given): when, who, what."""
    import pandas as pd

    from qualcode.store.codechanges import changes

    with ws.engine.connect() as conn:
        rows = changes(conn, code)
    undone = {int(r["details"].get("event", 0)) for r in rows if r["action"].endswith(".undo")}
    out = [{"id": r["id"], "at": r["at"].replace(microsecond=0), "coder": r["coder"],
            "change": r["action"].split(".", 1)[1], "code": r["target"],
            "summary": r["details"].get("summary", ""),
            "codings": r["details"].get("codings", 0),
            "undone": r["id"] in undone} for r in rows]
    return pd.DataFrame(out, columns=["id", "at", "coder", "change", "code", "summary",
                                      "codings", "undone"])


# --- helpers ---------------------------------------------------------------------------
class _Edit:
    """The codebook files being edited, in memory until `commit`."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.texts = {path: CodebookText(path) for path in _files(ws)}
        self.memos: list[tuple[str, str, str]] = []  # written with the change

    def file_of(self, code: str) -> CodebookText:
        for text in self.texts.values():
            if code in text.codes:
                return text
        raise UsageError(f"code {code}: not found in the codebook files")

    def move(self, code: str, under: str | None) -> None:
        src = self.file_of(code)
        block = src.cut(code)
        dest = self.file_of(under) if under else src
        dest.insert(block, under)

    def commit(self, kind: str, target: str, mapping: dict[str, str], codes: list[str],
               message: str, facts: dict[str, Any]) -> Change:
        from qualcode.store.codechanges import log_change, recode
        from qualcode.store.codes import sync_codes

        changed = {p: t.text for p, t in self.texts.items() if t.changed}
        _writable(list(changed))
        book = _validate(self.ws, changed)
        rel = {p: str(p.relative_to(self.ws.root)) for p in changed}
        with self.ws.engine.begin() as conn:
            undo = recode(conn, mapping) if mapping else {}
            moved = sum(len(ids) for ids in undo.get("codings", {}).values())
            if self.memos:
                from qualcode.store.memos import add_memo

                undo["added_memos"] = [add_memo(conn, kind, target, self.ws.coder or "qualcode",
                                                text, log=False)
                                       for kind, target, text in self.memos]
            sync_codes(conn, book.active())
            summary = message
            log_change(conn, self.ws.coder, kind, target, {
                **facts, "codes": codes, "mapping": mapping, "summary": summary,
                "codings": moved, "folded": len(undo.get("folded", [])),
                "files": {rel[p]: self.texts[p].original for p in changed},
                "after": {rel[p]: _sha(text) for p, text in changed.items()},
                "undo": undo})
            _write_files(changed, {p: self.texts[p].original for p in changed})
        _relabel_model(self.ws, mapping)
        folded = len(undo.get("folded", []))
        if folded:
            message += f"; {folded} duplicate coding(s) folded into one"
        if moved:
            message += f"; {moved} coding(s) carried"
        return Change(kind, codes, message, moved, folded, sorted(rel.values()))


def _files(ws: Workspace) -> list[Path]:
    folder = ws.codebook_dir
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []


def _known(book: Codebook, codes: list[str]) -> None:
    known = book.by_id()
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise UsageError(f"unknown code(s) {', '.join(unknown)} - see qualcode codebook show")


def _free(book: Codebook, code: str, hint: str = "") -> None:
    from qualcode.codebook import CODE_ID

    if not CODE_ID.match(code):
        raise UsageError(f"{code!r} is not a code id: use lower case letters, digits and "
                         "underscores, starting with a letter")
    if code in book.by_id():
        raise UsageError(f"code {code} exists already" + (f" - {hint}" if hint else ""))


def _name_free(book: Codebook, name: str, but: str | None) -> None:
    if not name.strip():
        raise UsageError("a code's name cannot be empty")
    for c, _, _ in book.walk():
        if c.id != but and c.name.strip().casefold() == name.strip().casefold():
            raise UsageError(f"the name {name!r} is taken by code {c.id} - choose another")


def _writable(paths: list[Path]) -> None:
    """An error if a file is read-only (its write bits off, which even root respects
    here) or its folder cannot be written."""
    for p in paths:
        locked = p.exists() and (not os.access(p, os.W_OK) or not p.stat().st_mode & 0o222)
        if locked or not os.access(p.parent, os.W_OK):
            raise UsageError(f"{p}: cannot write (read-only) - nothing changed")


def _validate(ws: Workspace, texts: dict[Path, str]) -> Codebook:
    """The codebook the edited files would give (an error if they would not load)."""
    from qualcode.codebook import load_codebook

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / ws.codebook_dir.name
        folder.mkdir()
        for path in _files(ws):
            (folder / path.name).write_text(texts.get(path) or path.read_text(encoding="utf-8"),
                                            encoding="utf-8")
        for path, text in texts.items():
            (folder / path.name).write_text(text, encoding="utf-8")
        try:
            return load_codebook(folder)
        except CodebookError as exc:
            raise UsageError(f"the change would make the codebook invalid - nothing changed "
                             f"({'; '.join(exc.problems[:3])})") from exc


def _write_files(texts: dict[Path, str], before: dict[Path, str]) -> None:
    """Write each file atomically; if one fails, put back those already written."""
    from qualcode.outputs import write_output

    done: list[Path] = []
    try:
        for path, text in texts.items():
            write_output(path, text)
            done.append(path)
    except OSError as exc:
        for path in done:
            write_output(path, before[path])
        raise UsageError(f"{exc.filename or ''}: cannot write ({exc.strerror}) - nothing "
                         "changed") from exc


def _relabel_model(ws: Workspace, mapping: dict[str, str]) -> None:
    if mapping:
        from qualcode.learn.persist import relabel

        relabel(ws, mapping)


def _counts(ws: Workspace, codes: list[str]) -> dict[str, int]:
    from qualcode.store.codechanges import counts

    with ws.engine.connect() as conn:
        return counts(conn, codes)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def describe(code: Code) -> str:
    """One line naming a code (for messages)."""
    return f"{code.id} ({code.name})"
