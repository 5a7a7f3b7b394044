"""The Memos section: the interpretation beside the passages it is about. Memos on a code
or on a coding of it come under the code (codebook order), each memo on a coding beside
the coding's passage; then memos on documents and cases; then the project journal by
date. Every string passes through the report's pseudonymizer (render's finalize), memo
text included."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.report.model import Excerpt, Section

if TYPE_CHECKING:
    from qualcode.report.build import Context


@dataclass
class MemoItem:
    id: int
    text: str
    author: str
    when: str
    edited: str  # "edited 2024-05-02 by ana (2 earlier texts kept)" or ""
    passages: list[Excerpt] = field(default_factory=list)  # what the memo is about
    links: list[str] = field(default_factory=list)  # links to other memos, gone codings
    note: str = ""  # what a removed coding was, or why a passage is not shown


@dataclass
class MemoGroup:
    title: str
    items: list[MemoItem]
    color: str = ""


def _day(value: Any) -> str:
    if value is None or value != value:
        return ""
    return str(value)[:10]


def memos_section(ctx: Context) -> Section:
    """Every memo, grouped by code, then documents and cases, then the journal by date."""
    sec = Section("memos", "Memos")
    memos = ctx.project.memos()
    if memos.empty:
        sec.empty = "No memos yet - write them with qualcode memo add (or in qualcode serve)."
        return sec
    history = ctx.project.memos(history=True)
    earlier = history[~history.current.astype(bool)].groupby("id").size().to_dict()
    codings = ctx.codings.set_index(ctx.codings.id.astype(str))
    book = ctx.book
    texts = dict(zip(memos.id.astype(int), memos.memo.astype(str), strict=True))

    def passage(cid: str) -> Excerpt | None:
        if cid not in codings.index:
            return None
        r = codings.loc[cid]
        code = str(r.code)
        c = book.get(code, (None, 0))[0]
        status = "" if r.status == "accepted" else f" ({r.origin} {r.status})"
        if str(r.anchor) == "orphaned":
            status += " (orphaned: its text changed)"
        speaker = r.speaker if isinstance(r.speaker, str) else ""
        return Excerpt(ctx.pseudo.text(str(r.text)), ctx.pseudo.text(speaker),
                       ctx.pseudo.text(str(r.document)), "",
                       (c.name if c else code) + status, (c.color if c else None) or "#999",
                       str(r.coder))

    def item(m: dict[str, Any]) -> MemoItem:
        n = int(earlier.get(int(m["id"]), 0))
        edited = ""
        if isinstance(m.get("edited_by"), str):
            edited = (f"edited {_day(m['edited_at'])} by {m['edited_by']} ({n} earlier "
                      f"text{'s' if n != 1 else ''} kept: qualcode memo show {m['id']})")
        out = MemoItem(int(m["id"]), ctx.pseudo.text(str(m["memo"])), str(m["coder"]),
                       _day(m["at"]), edited)
        if m["on"] == "coding":
            p = passage(str(m["target"]))
            if p is not None:
                out.passages.append(p)
        if isinstance(m.get("about"), str) and m["about"]:
            out.note = ctx.pseudo.text(f"The coding it was on is gone: {m['about']}.")
        for link in filter(None, str(m.get("links") or "").split(", ")):
            kind, _, key = link.partition(":")
            if kind == "coding" and m["on"] == "coding" and key == str(m["target"]):
                continue  # the passage it is on is shown already
            if kind == "coding":
                p = passage(key)
                if p is not None:
                    out.passages.append(p)
                else:
                    out.links.append(f"coding #{key} (removed)")
            elif kind == "memo":
                other = texts.get(int(key), "")
                short = other if len(other) <= 80 else other[:80].rsplit(" ", 1)[0] + " …"
                out.links.append(ctx.pseudo.text(f"memo #{key}: {short}"))
        return out

    records = memos.to_dict("records")
    on_code: dict[str, list[MemoItem]] = {}
    for m in records:
        code = None
        if m["on"] == "code":
            code = str(m["target"])
        elif m["on"] == "coding" and str(m["target"]) in codings.index:
            code = str(codings.loc[str(m["target"])].code)
        if code is not None:
            on_code.setdefault(code, []).append(item(m))
    groups = []
    for code, (c, _depth) in book.items():
        if code in on_code:
            groups.append(MemoGroup(c.name, on_code.pop(code), c.color or "#999"))
    for code, items in on_code.items():  # codes no longer in the codebook
        groups.append(MemoGroup(f"{code} (not in the codebook)", items))
    gone = [item(m) for m in records if m["on"] == "coding"
            and str(m["target"]) not in codings.index]
    if gone:
        groups.append(MemoGroup("On codings that are gone", gone))
    places = [m for m in records if m["on"] in ("document", "case")]
    if places:
        items = []
        for m in places:
            it = item(m)
            it.text = ctx.pseudo.text(f"{m['on'].capitalize()} {m['target']}: ") + it.text
            items.append(it)
        groups.append(MemoGroup("On documents and cases", items))
    journal = sorted((m for m in records if m["on"] == "project"),
                     key=lambda m: (str(m["at"]), m["id"]))
    days: dict[str, list[MemoItem]] = {}
    for m in journal:
        days.setdefault(_day(m["at"]), []).append(item(m))
    authors = sorted(set(map(str, memos.coder)))
    n_code = sum(len(g.items) for g in groups if g.title not in (
        "On documents and cases", "On codings that are gone"))
    sec.p(f"{len(memos)} memo(s) by {', '.join(authors)}: {n_code} on codes and their "
          f"passages, {len(places)} on documents and cases, {len(journal)} in the project "
          "journal. A memo on a coding stands beside the coding's passage, and so do the "
          "codings it links to; the latest text of an edited memo is shown (qualcode memo "
          "list --history prints every earlier one).")
    if groups:
        sec.add("memos", groups)
    if days:
        sec.h3("Journal")
        sec.add("memos", [MemoGroup(day, items) for day, items in days.items()])
    ctx.did("memos", count=len(memos), authors=authors, journal=len(journal),
            edited=int(memos.edited_by.notna().sum()))
    return sec
