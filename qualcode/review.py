"""`qualcode review`: go through suggestions one by one and decide.

Each decision is committed at once, so an interrupted session loses nothing and the
next one resumes with what is still undecided. In a terminal a key decides; from a
pipe or a file, one command per line (so sessions can be scripted and tested).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode import datasets
from qualcode.coding import add_memo, decide, undo
from qualcode.errors import CodingError, QualcodeError

if TYPE_CHECKING:
    from rich.console import Console

    from qualcode.workspace import Workspace

HELP = ("[a]ccept  [r]eject  [c]ode CODE (change)  [w]iden  [n]arrow  [s]kip  [u]ndo  "
        "[m]emo TEXT  [q]uit  [?] help")


@dataclass
class ReviewStats:
    accepted: int = 0
    rejected: int = 0
    recoded: int = 0
    skipped: int = 0
    undone: int = 0
    memos: int = 0
    remaining: int = 0
    history: list[tuple[int, dict[str, Any], str]] = field(default_factory=list)


ORDERS = ("document", "uncertain")


SOURCES = ("rules", "model", "codebook", "search")


def queue(ws: Workspace, code: str | None = None, document: str | None = None,
          order: str = "document", source: str | None = None) -> list[int]:
    """Ids of the suggestions still to decide: in document order, or (order="uncertain")
    those the learned model is least sure about first; `source`: only the suggestions of
    the rules, the learned model or `qualcode search --code-as`."""
    if order not in ORDERS:
        raise CodingError(f"unknown order {order!r} - use document or uncertain")
    if source is not None and source not in SOURCES:
        raise CodingError(f"unknown source {source!r} - use rules, model, codebook or search")
    from qualcode.store.codings import suggestion_queue

    codes = None
    if code:
        if code not in ws.codebook.by_id():
            raise CodingError(f"unknown code {code!r} - see qualcode codebook show")
        codes = ws.codebook.descendants(code)
    if document:
        datasets.check_values(ws, documents=[document])
    with ws.engine.connect() as conn:
        ids = suggestion_queue(conn, codes, document, source)
    if order == "uncertain" and ids:
        ids = _least_sure_first(ws, ids)
    return ids


def _least_sure_first(ws: Workspace, ids: list[int]) -> list[int]:
    from qualcode.learn.persist import read_card
    from qualcode.learn.predict import rank_by_uncertainty

    if read_card(ws) is None:
        raise CodingError("--order uncertain needs a trained model - run qualcode train "
                          "first")
    pending = datasets.codings(ws, statuses=["suggested"])
    pending = pending[pending.id.isin(ids)]
    ranked = rank_by_uncertainty(ws, pending)
    return [int(i) for i in ranked.id]


def load_item(ws: Workspace, cid: int) -> dict[str, Any]:
    """A coding with its document's text and the turn that holds it (what `show`,
    `widen` and `narrow` work on)."""
    from qualcode.store.codings import coding
    from qualcode.store.documents import document_text, turn_around

    with ws.engine.connect() as conn:
        row = coding(conn, cid)
        text = document_text(conn, row.document_id)
        turn = turn_around(conn, row.document_id, row.start, row.end)
    return {"row": row, "text": text, "turn": turn}


def _sentence(ws: Workspace, doc: str, start: int, end: int) -> tuple[int, int] | None:
    sentences = datasets.sentences(ws, [doc])
    first = sentences[(sentences.start <= start) & (sentences.end >= start)]
    if first.empty:
        return None
    last = sentences[(sentences.start < end) & (sentences.end >= end)]
    return int(first.start.iloc[0]), int(last.end.iloc[0] if not last.empty
                                          else first.end.iloc[0])


def widen(ws: Workspace, item: dict[str, Any]) -> tuple[int, int] | None:
    """One step wider: the sentence, then the whole turn (None when it cannot widen)."""
    row, turn = item["row"], item["turn"]
    sent = _sentence(ws, row.document_id, row.start, row.end)
    if sent and (sent[0] < row.start or sent[1] > row.end):
        return sent
    if turn is not None and (turn.start < row.start or turn.end > row.end):
        return turn.start, turn.end
    return None


def narrow(ws: Workspace, item: dict[str, Any]) -> tuple[int, int] | None:
    """One step narrower: back to the span the auto-coder proposed (after a widening),
    else the sentence holding the match, else the matched words."""
    row, text = item["row"], item["text"]
    span = (row.start, row.end)
    ps, pe = row.proposed_start, row.proposed_end
    if ps is not None and row.start <= ps and pe <= row.end and (ps, pe) != span:
        return ps, pe
    pos = text.find(row.matched, row.start, row.end) if row.matched else -1
    at = pos if pos >= 0 else row.start
    sent = _sentence(ws, row.document_id, at, at + (len(row.matched) if pos >= 0 else 1))
    if sent and row.start <= sent[0] and sent[1] <= row.end and sent != span:
        return sent
    if pos >= 0 and (pos, pos + len(row.matched)) != span:
        return pos, pos + len(row.matched)
    return None


def show(console: Console, ws: Workspace, item: dict[str, Any], n: int, total: int) -> None:
    """The passage in its turn, the span in the code's colour, the rule, progress."""
    from rich.panel import Panel
    from rich.text import Text

    row, text, turn = item["row"], item["text"], item["turn"]
    code = ws.codebook.by_id().get(row.code_id)
    color = (code.color if code else None) or "yellow"
    a, b = (turn.start, turn.end) if turn is not None else (max(0, row.start - 200),
                                                            min(len(text), row.end + 200))
    a, b = min(a, row.start), max(b, row.end)
    body = Text(text[a:row.start], style="dim")
    body.append(text[row.start:row.end], style=f"bold black on {color}")
    body.append(text[row.end:b], style="dim")
    speaker = turn.speaker if turn is not None else "?"
    title = (f"{n}/{total}  {row.document_id} - {speaker}  →  {code.name if code else row.code_id}"
             f" ({row.code_id})")
    if row.rule == "model":
        rule = f"learned model, probability {row.score:.2f}"
    elif row.rule == "codebook":
        rule = f"codebook: close to “{row.matched}” (z {row.score:.2f})"
    elif row.rule == "search":
        rule = f"search: matched “{row.matched}”"
    elif row.rule:
        rule = f"rule {row.rule}: matched “{row.matched}”" + (
            f" (model agrees, probability {row.score:.2f})" if row.score is not None else "")
    else:
        rule = f"by {row.coder}"
    console.print(Panel(body, title=title, subtitle=rule, title_align="left"))


def run(ws: Workspace, read: Callable[[], str | None], console: Console,
        code: str | None = None, document: str | None = None,
        order: str = "document", source: str | None = None) -> ReviewStats:
    """The review loop. `read` returns the next command line (None at the end)."""
    ids = queue(ws, code, document, order, source)
    stats = ReviewStats()
    total = len(ids)
    if not ids:
        console.print("nothing to review: no undecided suggestions" +
                      (f" for {code}" if code else "") + (f" in {document}" if document else "")
                      + (f" from {source}" if source else ""))
        return stats
    console.print(HELP, style="dim", markup=False)
    i = 0
    while i < len(ids):
        cid = ids[i]
        item = load_item(ws, cid)
        if item["row"].status != "suggested":
            i += 1
            continue
        show(console, ws, item, i + 1, total)
        line = read()
        if line is None:
            break
        cmd, _, arg = line.strip().partition(" ")
        cmd = cmd.lower()
        try:
            if cmd in ("a", "accept"):
                stats.history.append((cid, decide(ws, cid, "accept"), "accept"))
                stats.accepted += 1
                console.print(f"accepted #{cid}", style="green")
                i += 1
            elif cmd in ("r", "reject"):
                stats.history.append((cid, decide(ws, cid, "reject"), "reject"))
                stats.rejected += 1
                console.print(f"rejected #{cid}", style="red")
                i += 1
            elif cmd in ("c", "code"):
                new = arg.strip() or console.input("new code: ").strip()
                stats.history.append((cid, decide(ws, cid, "recode", code=new), "recode"))
                stats.recoded += 1
                console.print(f"recoded #{cid} as {new}", style="green")
                i += 1
            elif cmd in ("w", "widen", "n", "narrow"):
                span = (widen if cmd.startswith("w") else narrow)(ws, item)
                if span is None:
                    console.print("the span cannot be " +
                                  ("widened" if cmd.startswith("w") else "narrowed") +
                                  " further", style="yellow")
                else:
                    stats.history.append((cid, decide(ws, cid, "respan", span=span),
                                          "respan"))
                    console.print(f"span of #{cid} is now {span[0]}:{span[1]}")
            elif cmd in ("s", "skip"):
                stats.skipped += 1
                i += 1
            elif cmd in ("u", "undo"):
                if not stats.history:
                    console.print("nothing to undo", style="yellow")
                    continue
                last_id, before, action = stats.history.pop()
                undo(ws, last_id, before)
                stats.undone += 1
                for name, attr in (("accept", "accepted"), ("reject", "rejected"),
                                   ("recode", "recoded")):
                    if action == name:
                        setattr(stats, attr, getattr(stats, attr) - 1)
                console.print(f"undid {action} of #{last_id}", style="yellow")
                if last_id in ids:
                    i = ids.index(last_id)
            elif cmd in ("m", "memo"):
                text = arg.strip() or console.input("memo: ").strip()
                add_memo(ws, "coding", str(cid), text)
                stats.memos += 1
                console.print(f"memo added to #{cid}")
            elif cmd in ("q", "quit"):
                break
            elif cmd in ("?", "h", "help", ""):
                console.print(HELP, style="dim", markup=False)
            else:
                console.print(f"unknown command {cmd!r} - {HELP}", style="yellow", markup=False)
        except QualcodeError as exc:
            console.print(f"error: {exc}", style="red")
    stats.remaining = len(queue(ws, code, document, source=source))
    return stats


def line_reader(lines: Iterator[str]) -> Callable[[], str | None]:
    """Commands from a pipe or file, one per line."""
    def read() -> str | None:
        for line in lines:
            if line.strip():
                return line
        return None

    return read


def key_reader(console: Console) -> Callable[[], str | None]:
    """Commands from single keys in a terminal; c and m ask for their argument."""
    import typer

    def read() -> str | None:
        console.print("> ", end="")
        try:
            key = typer.getchar()
        except (EOFError, KeyboardInterrupt):
            return None
        console.print(key)
        if key in ("\x03", "\x04"):
            return None
        if key.lower() == "c":
            return "c " + console.input("new code: ")
        if key.lower() == "m":
            return "m " + console.input("memo: ")
        return key

    return read
