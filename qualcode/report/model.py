"""What the template draws: sections made of paragraphs, tables, figures and excerpts.

Every numeric cell carries its exact value (`data-v`) and keys (`data-*`) so that a
reader or a test can check it against the command named in the table's caption.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


class DataUri(str):
    """An embedded image (`data:` URI); never rewritten by the pseudonymizer."""


@dataclass
class Cell:
    text: str
    value: float | int | None = None
    keys: dict[str, str] = field(default_factory=dict)
    numeric: bool = False
    swatch: str | None = None
    depth: int = 0
    strong: bool = False

    @property
    def v(self) -> str:
        """The exact value as text (repr of the float; empty when missing)."""
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return ""
        return repr(float(self.value)) if isinstance(self.value, float) else str(self.value)


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    caption: str = ""
    command: str = ""
    name: str = ""
    note: str = ""
    compact: bool = False  # a narrow table (few short columns)


@dataclass
class Figure:
    uri: DataUri
    alt: str
    caption: str = ""


@dataclass
class Excerpt:
    text: str
    speaker: str
    document: str
    attributes: str
    code: str
    color: str
    coder: str
    time: str = ""  # where in the recording: "0:04–0:20", "≈ 0:07–0:09" when approximate


@dataclass
class ExcerptGroup:
    title: str
    excerpts: list[Excerpt]
    empty: str = ""


@dataclass
class Block:
    kind: str  # "p" | "h3" | "list" | "tree" | "table" | "figure" | "excerpts"
    body: object


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    empty: str = ""  # why the section has nothing to show

    def p(self, text: str) -> None:
        self.blocks.append(Block("p", text))

    def h3(self, text: str) -> None:
        self.blocks.append(Block("h3", text))

    def add(self, kind: str, body: object) -> None:
        self.blocks.append(Block(kind, body))


def fmt_share(value: float) -> str:
    return "" if value != value else f"{value:.0%}"


def fmt_p(value: float | None) -> str:
    """p values as the journals print them: three decimals, '< .001' below."""
    if value is None or value != value:
        return ""
    if value < 0.001:
        return "< .001"
    return f"{value:.3f}".replace("0.", ".", 1) if value < 1 else "1"


def fmt_num(value: float | None, digits: int = 2, signed: bool = False) -> str:
    if value is None or value != value:
        return ""
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if round(value, digits) == 0:
        value = 0.0  # no "-0.00"
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace("-", "−")
