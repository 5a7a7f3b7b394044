"""A REFI-QDA project as plain data (pydantic models), independent of XML and of the store.

GUIDs are kept as the producing tool wrote them (case and braces included), so a
round trip writes them back unchanged; compare them with `guid_key`.
Text positions (`TextSelection.start/end`) are ours: 0-based code-point indices into
the source's normalised text (design section 2), end exclusive.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, Field

SourceKind = Literal["text", "pdf", "picture", "audio", "video", "other"]
VariableType = Literal["Text", "Boolean", "Integer", "Float", "Date", "DateTime"]
TargetKind = Literal["project", "code", "source", "selection", "coding", "case", "note",
                     "other"]


# the namespace of qualcode's uuid5 GUIDs; never change it (exports must stay stable)
GUID_NAMESPACE = uuid.UUID("6a1f3c52-8d0e-5b7a-9c41-2f0d7e3b9a15")


def stable_guid(kind: str, *identity: str) -> str:
    """A GUID derived from what an object is (kind and identity), so that two exports
    of the same project carry the same GUIDs."""
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join((kind, *identity))))


def guid_key(guid: str) -> str:
    """A GUID as a comparison key: lower case, braces stripped."""
    return guid.strip().strip("{}").lower()


class User(BaseModel):
    guid: str
    name: str = ""
    id: str | None = None  # NVivo writes initials here

    @property
    def label(self) -> str:
        """The coder name: the user's name, else its id, else the GUID's first block."""
        return self.name.strip() or (self.id or "").strip() or guid_key(self.guid)[:8]


class Code(BaseModel):
    guid: str
    name: str
    color: str | None = None
    description: str = ""
    is_codable: bool = True
    children: list[Code] = Field(default_factory=list)


def walk_codes(codes: list[Code], parent: Code | None = None
               ) -> Iterator[tuple[Code, Code | None]]:
    """Every code depth-first with its parent."""
    for c in codes:
        yield c, parent
        yield from walk_codes(c.children, c)


class Variable(BaseModel):
    guid: str
    name: str
    type: VariableType = "Text"
    description: str = ""


class Coding(BaseModel):
    """One code applied to a selection, by a user."""

    guid: str
    code_guid: str
    user_guid: str | None = None
    created: dt.datetime | None = None


class TextSelection(BaseModel):
    guid: str
    source_guid: str
    start: int
    end: int
    quote: str  # the text at [start:end) of the source's normalised text
    name: str = ""  # as written by the tool (often a quote, sometimes truncated or empty)
    description: str = ""  # a quotation comment (ATLAS.ti, MAXQDA)
    codings: list[Coding] = Field(default_factory=list)
    user_guid: str | None = None
    created: dt.datetime | None = None

    @property
    def code_guids(self) -> list[str]:
        return [c.code_guid for c in self.codings]


class Source(BaseModel):
    guid: str
    name: str
    kind: SourceKind = "text"
    text: str | None = None  # normalised plain text; None for sources we cannot code
    path: str | None = None  # plainTextPath / path as written in the file
    description: str = ""
    variables: dict[str, Any] = Field(default_factory=dict)
    user_guid: str | None = None
    created: dt.datetime | None = None
    unit: str | None = None  # position unit used to read its selections, e.g. "utf16"
    # an audio or video source with a transcript (`text`): the recording, as the file on
    # disk (export) or the `path` written in the file (import), and the transcript's
    # sync points as (character index into `text`, seconds; None for a point without a
    # time stamp)
    media: str | None = None
    sync_points: list[tuple[int, float | None]] = Field(default_factory=list)
    transcript_guid: str | None = None
    transcript_name: str = ""


class Case(BaseModel):
    guid: str
    name: str = ""
    description: str = ""
    variables: dict[str, Any] = Field(default_factory=dict)
    source_guids: list[str] = Field(default_factory=list)
    code_guids: list[str] = Field(default_factory=list)


class Note(BaseModel):
    """A memo. `target_guid` is the element it is attached to (through a NoteRef or a
    Link), None for a note on the project as a whole."""

    guid: str
    text: str
    name: str = ""
    target_guid: str | None = None
    target_kind: TargetKind | None = None
    user_guid: str | None = None
    created: dt.datetime | None = None
    # what the memo links to (other notes, codings): qualcode writes these as Links named
    # LINK_NAME from the note, so that no other tool reads them as the note's target
    link_guids: list[str] = Field(default_factory=list)


MEMO_LINK = "Memo link"


class Set(BaseModel):
    guid: str
    name: str
    description: str = ""
    member_guids: list[str] = Field(default_factory=list)
    member_kinds: list[Literal["code", "source", "note"]] = Field(default_factory=list)


EMPTY = "empty text"  # SkippedSource.reason of a text source with no text


class SkippedSource(BaseModel):
    """A source qualcode cannot code (or could not read), with what it carried."""

    guid: str
    name: str
    kind: SourceKind
    selections: int = 0
    codings: int = 0
    reason: str = ""


class ImportReport(BaseModel):
    """What an import kept, converted and left out; warnings name the element."""

    producer: str = ""
    warnings: list[str] = Field(default_factory=list)
    skipped_sources: list[SkippedSource] = Field(default_factory=list)
    skipped_selections: dict[str, int] = Field(default_factory=dict)  # per kind
    skipped_codings: int = 0
    not_carried: dict[str, int] = Field(default_factory=dict)  # links, graphs...

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def skip_selections(self, kind: str, n: int = 1) -> None:
        if n:
            self.skipped_selections[kind] = self.skipped_selections.get(kind, 0) + n


class RefiProject(BaseModel):
    """A whole REFI-QDA project."""

    name: str = "project"
    origin: str = ""
    description: str = ""
    created: dt.datetime | None = None
    creating_user_guid: str | None = None
    users: list[User] = Field(default_factory=list)
    codes: list[Code] = Field(default_factory=list)
    variables: list[Variable] = Field(default_factory=list)
    cases: list[Case] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    selections: list[TextSelection] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    sets: list[Set] = Field(default_factory=list)
    report: ImportReport = Field(default_factory=ImportReport)

    def text_sources(self) -> list[Source]:
        """The sources with text: text sources, and audio/video sources with a
        transcript."""
        return [s for s in self.sources if s.kind in ("text", "audio", "video")
                and s.text is not None]

    def code_count(self) -> int:
        return sum(1 for _ in walk_codes(self.codes))

    def coding_count(self) -> int:
        return sum(len(s.codings) for s in self.selections)


class RefiCodebook(BaseModel):
    """A REFI-QDA codebook (.qdc): codes and code sets."""

    origin: str = ""
    codes: list[Code] = Field(default_factory=list)
    sets: list[Set] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
