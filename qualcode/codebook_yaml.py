"""Edit codebook YAML files in place, keeping everything else byte for byte.

ruamel.yaml parses a file and tells where each code is (line and column of every
node); the edits are then made on the text's lines: a value replaced on its line, a key
inserted, a code's block cut and pasted (re-indented) elsewhere. Comments, key order,
quoting and flow style of every line not edited stay as they were (a ruamel re-dump
rewrites flow sequences of one-key mappings, `[{LEMMA: x}]` -> `[LEMMA: x]`, and other
lines besides; docs/decisions.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.codebook import CODE_ID
from qualcode.errors import UsageError

_PLAIN = re.compile(r"^[A-Za-z0-9][\w .,'()/&+-]*$")


@dataclass
class Located:
    """Where a code's block lies in its file: lines [start, end), the column of its
    item dash and of its keys, its mapping (ruamel, for line info) and its parent's id."""

    file: Path
    start: int
    end: int
    dash: int
    key: int
    node: Any
    parent: str | None
    siblings: Any  # the ruamel sequence holding it
    index: int


def _yaml():
    from ruamel.yaml import YAML

    return YAML(typ="rt")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def scalar(value: str) -> str:
    """A YAML scalar for a one-line value: plain when safe, else double-quoted."""
    if _PLAIN.match(value) and ": " not in value and " #" not in value \
            and value.lower() not in {"yes", "no", "true", "false", "null", "on", "off"}:
        return value
    return json.dumps(value, ensure_ascii=False)


class CodebookText:
    """One codebook file's lines and the location of each code in it."""

    def __init__(self, path: Path, text: str | None = None) -> None:
        self.path = path
        self.original = path.read_text(encoding="utf-8") if text is None else text
        self.lines = self.original.splitlines(keepends=True)
        if self.lines and not self.lines[-1].endswith("\n"):
            self.lines[-1] += "\n"
        self.baseline = "".join(self.lines)  # what `text` is until an edit
        self.locate()

    @property
    def changed(self) -> bool:
        return self.text != self.baseline

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def locate(self) -> None:
        """(Re)parse the current lines and find every code."""
        from ruamel.yaml import YAMLError

        try:
            data = _yaml().load(self.text)
        except YAMLError as exc:
            raise UsageError(f"{self.path}: not valid YAML - fix it first ({exc})") from exc
        self.data = data
        self.codes: dict[str, Located] = {}
        seq = data.get("codes") if hasattr(data, "get") else None
        if seq is not None:
            self._walk(seq, None)

    def _walk(self, seq: Any, parent: str | None) -> None:
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        if not isinstance(seq, CommentedSeq):
            return
        for i, item in enumerate(seq):
            if not isinstance(item, CommentedMap) or "id" not in item:
                continue
            line, col = seq.lc.item(i)
            if item.fa.flow_style():
                raise UsageError(f"{self.path}:{line + 1}: code {item['id']} is written in flow "
                                 "style ({...}) - write it as a block to change it here")
            text = self.lines[line]
            dash = text.rfind("-", 0, col)
            start = line
            while start > 0 and self.lines[start - 1].strip().startswith("#") \
                    and _indent(self.lines[start - 1]) >= dash:
                start -= 1
            end = self._end(line, dash)
            self.codes[str(item["id"])] = Located(self.path, start, end, dash, col, item,
                                                  parent, seq, i)
            if "children" in item:
                self._walk(item["children"], str(item["id"]))

    def _end(self, line: int, dash: int) -> int:
        """The line after a block item starting at `line` with its dash at `dash`."""
        n = len(self.lines)
        i = line + 1
        last = line
        while i < n:
            text = self.lines[i]
            if _content(text):
                ind = _indent(text)
                if ind <= dash:
                    break
                last = i
            i += 1
        # comments and blank lines after the block's last line belong to what follows
        return last + 1

    # --- edits -------------------------------------------------------------------------
    def where(self, code: str) -> Located:
        return self.codes[code]

    def set_value(self, code: str, key: str, value: str) -> None:
        """Set a one-line key of a code (replacing its value, or adding the key after
        `id`)."""
        loc = self.where(code)
        node = loc.node
        rendered = scalar(value) if key != "retired" else value
        if key in node:
            kline, _ = node.lc.key(key)
            vline, vcol = node.lc.value(key)
            if vline != kline:
                raise UsageError(f"{self.path}:{kline + 1}: code {code}: {key} spans several "
                                 "lines - edit it by hand")
            old = self.lines[vline]
            rest = old[vcol:].rstrip("\n")
            comment = _trailing_comment(rest)
            self.lines[vline] = old[:vcol] + rendered + (f"  {comment}" if comment else "") \
                + "\n"
        else:
            after = "name" if "name" in node and key != "name" and \
                node.lc.key("name")[0] == node.lc.value("name")[0] else "id"
            kline, _ = node.lc.key(after)
            self.lines.insert(kline + 1, " " * loc.key + f"{key}: {rendered}\n")
        self.locate()

    def remove_key(self, code: str, key: str) -> None:
        loc = self.where(code)
        if key not in loc.node:
            return
        kline, _ = loc.node.lc.key(key)
        vline, _ = loc.node.lc.value(key)
        if vline != kline:
            raise UsageError(f"{self.path}:{kline + 1}: code {code}: {key} spans several lines "
                             "- edit it by hand")
        del self.lines[kline]
        self.locate()

    def cut(self, code: str) -> list[str]:
        """Remove a code's block (with the comment lines just above it); returns it with
        its dash at column 0."""
        loc = self.where(code)
        block = self.lines[loc.start:loc.end]
        del self.lines[loc.start:loc.end]
        self.locate()
        if loc.parent is not None:  # a `children:` left with no item goes too
            parent = self.where(loc.parent).node
            if "children" in parent and not parent.get("children"):
                kline, _ = parent.lc.key("children")
                if self.lines[kline].strip() == "children:":
                    del self.lines[kline]
                    self.locate()
        return shift(block, -loc.dash)

    def insert(self, block: list[str], parent: str | None, before: str | None = None) -> None:
        """Paste a block (dash at column 0) as the last child of `parent` (None: the top
        level), or just before the sibling `before`."""
        if before is not None:
            loc = self.where(before)
            self.lines[loc.start:loc.start] = shift(block, loc.dash)
            self.locate()
            return
        if parent is None:
            seq = self.data.get("codes")
            anchor_key = None
        else:
            node = self.where(parent).node
            seq = node.get("children")
            anchor_key = parent
        if seq:  # a non-empty list: after its last item
            last = self.codes[str(seq[-1]["id"])]
            self.lines[last.end:last.end] = shift(block, last.dash)
        elif parent is None:
            self._insert_top(block)
        else:
            self._insert_children(anchor_key, block)
        self.locate()

    def _insert_top(self, block: list[str]) -> None:
        if "codes" in self.data:
            kline, _ = self.data.lc.key("codes")
            self.lines[kline] = self.lines[kline].split(":", 1)[0] + ":\n"
            at = kline + 1
        else:
            self.lines.append("codes:\n")
            at = len(self.lines)
        self.lines[at:at] = shift(block, 2)

    def _insert_children(self, parent: str, block: list[str]) -> None:
        loc = self.where(parent)
        node = loc.node
        if "children" in node:
            kline, _ = node.lc.key("children")
            self.lines[kline] = self.lines[kline].split(":", 1)[0] + ":\n"
            at = kline + 1
        else:
            at = loc.end
            self.lines.insert(at, " " * loc.key + "children:\n")
            at += 1
        self.lines[at:at] = shift(block, loc.key + 2)

    def append_items(self, code: str, key: str, items: list[str],
                     lang: str | None = None) -> None:
        """Append list items (already rendered YAML flow values) to a code's `key` list
        (`rules.<lang>` when lang), creating the key where missing."""
        if not items:
            return
        loc = self.where(code)
        node = loc.node
        target = node.get(key)
        indent = loc.key
        if lang is not None:
            if target is None:
                self._add_key_block(loc, key, [f"{lang}:"] + [f"  - {i}" for i in items])
                return
            kline, _ = node.lc.key(key)
            sub = target.get(lang)
            if sub is None:
                inner = _indent(self.lines[target.lc.key(next(iter(target)))[0]]) \
                    if len(target) else indent + 2
                end = self._end_of_value(kline, indent)
                self.lines[end:end] = [" " * inner + f"{lang}:\n"] + \
                    [" " * (inner + 2) + f"- {i}\n" for i in items]
                self.locate()
                return
            self._append_to_seq(target, lang, items, _indent(
                self.lines[target.lc.key(lang)[0]]))
            return
        if target is None:
            self._add_key_block(loc, key, [f"  - {i}" for i in items])
            return
        self._append_to_seq(node, key, items, indent)

    def _append_to_seq(self, mapping: Any, key: str, items: list[str], key_col: int) -> None:
        seq = mapping[key]
        kline, _ = mapping.lc.key(key)
        if getattr(seq, "fa", None) is not None and seq.fa.flow_style():
            vline, _ = mapping.lc.value(key)
            if vline != kline:
                raise UsageError(f"{self.path}:{kline + 1}: {key} is a flow list over several "
                                 "lines - edit it by hand")
            current = self.lines[kline].rstrip("\n")
            close = current.rfind("]")
            sep = ", " if len(seq) else ""
            self.lines[kline] = current[:close] + sep + ", ".join(items) + current[close:] + "\n"
        elif len(seq):
            line, col = seq.lc.item(len(seq) - 1)
            dash = self.lines[line].rfind("-", 0, col)
            end = self._end(line, dash)
            self.lines[end:end] = [" " * dash + f"- {i}\n" for i in items]
        else:
            self.lines[kline] = self.lines[kline].split(":", 1)[0] + ":\n"
            self.lines[kline + 1:kline + 1] = [" " * (key_col + 2) + f"- {i}\n" for i in items]
        self.locate()

    def _add_key_block(self, loc: Located, key: str, body: list[str]) -> None:
        at = self._key_insert_point(loc)
        self.lines[at:at] = [" " * loc.key + f"{key}:\n"] + \
            [" " * (loc.key + 2) + b + "\n" for b in body]
        self.locate()

    def _key_insert_point(self, loc: Located) -> int:
        """Before `children:` if the code has children, else at the end of its block."""
        if "children" in loc.node:
            return loc.node.lc.key("children")[0]
        return loc.end

    def _end_of_value(self, kline: int, key_col: int) -> int:
        i = kline + 1
        last = kline
        while i < len(self.lines):
            if _content(self.lines[i]):
                if _indent(self.lines[i]) <= key_col:
                    break
                last = i
            i += 1
        return last + 1

    def write(self) -> None:
        from qualcode.outputs import write_output

        write_output(self.path, self.text)


def _trailing_comment(rest: str) -> str:
    """The `# ...` comment after a one-line value, outside quotes."""
    quote = None
    for i, ch in enumerate(rest):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and i > 0 and rest[i - 1] in " \t":
            return rest[i:].strip()
    return ""


def shift(block: list[str], delta: int) -> list[str]:
    """Re-indent lines by `delta` columns (blank lines untouched)."""
    out = []
    for line in block:
        if not line.strip():
            out.append(line)
        elif delta >= 0:
            out.append(" " * delta + line)
        else:
            cut = min(-delta, _indent(line))
            out.append(line[cut:])
    return out


def new_code_block(code_id: str, name: str, extra: dict[str, str] | None = None) -> list[str]:
    """The lines of a new code (dash at column 0)."""
    if not CODE_ID.match(code_id):
        raise UsageError(f"{code_id!r} is not a code id: use lower case letters, digits and "
                         "underscores, starting with a letter")
    lines = [f"- id: {code_id}\n", f"  name: {scalar(name)}\n"]
    for k, v in (extra or {}).items():
        lines.append(f"  {k}: {v}\n")
    return lines


def flow(value: Any) -> str:
    """A rule or example as a one-line YAML flow value (JSON is valid YAML)."""
    return json.dumps(value, ensure_ascii=False)
