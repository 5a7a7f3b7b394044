"""Read transcript files (.md/.txt): YAML front matter, then speaker turns.

Offsets are 0-based code-point indices into the body (the text after the front
matter), end exclusive. See docs/formats.md for the rules this module implements.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from qualcode.errors import EmptyTranscriptError, TranscriptError
from qualcode.textio import decode_bytes

DEFAULT_INTERVIEWER_LABELS = ("Interviewer", "Intervieweur", "Enquêteur", "Q", "I", "Moderator")
DEFAULT_RESPONDENT_LABELS = (
    "Respondent", "Participant", "Interviewee", "Répondant", "Enquêté", "R", "P", "A",
)
RESERVED_KEYS = {"id", "respondent", "language", "interviewer", "speakers", "media"}
TEXT_SUFFIXES = {".md", ".txt", ".markdown"}
TRANSCRIPT_SUFFIXES = TEXT_SUFFIXES | {".docx", ".vtt", ".srt"}

_SP = r"[ \t\u00a0\u202f]"
_TS = r"[\[(](?P<{name}>\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:[.,]\d{{1,3}})?)[\])]"
_LABEL_LINE = re.compile(
    r"^(?:"
    rf"\*\*(?P<bold>[^*\n:]{{1,40}}?){_SP}*(?:{_TS.format(name='ts1')}{_SP}*)?(?::\*\*|\*\*{_SP}*:)"
    rf"|(?P<plain>[^\W_][^\n:*\[\](),;!?]{{0,39}}?){_SP}*(?:{_TS.format(name='ts2')}{_SP}*)?:"
    rf")(?!//){_SP}*(?:{_TS.format(name='ts3')}{_SP}*)?",
    re.MULTILINE,
)


class Turn(BaseModel):
    """One speaker turn. `start`/`end` delimit the speech (label excluded)."""

    index: int
    speaker: str | None
    case_id: str | None
    role: str  # "interviewer" | "respondent" | "none"
    start: int
    end: int
    timestamp: str | None = None
    start_time: float | None = None  # seconds into the recording, where known
    end_time: float | None = None


class Cue(BaseModel):
    """One subtitle cue: its span of the stored text and its times (seconds)."""

    start: int
    end: int
    start_time: float
    end_time: float


class Speaker(BaseModel):
    label: str
    case_id: str
    role: str
    attributes: dict[str, Any] = Field(default_factory=dict)


class Transcript(BaseModel):
    """A parsed transcript: what the store imports."""

    id: str
    path: str
    respondent: str
    language: str
    text: str
    attributes: dict[str, Any]
    speakers: list[Speaker]
    turns: list[Turn]
    encoding: str = "utf-8"
    warnings: list[str] = Field(default_factory=list)
    media: str | None = None  # the recording the front matter names (`media:`)
    cues: list[Cue] = Field(default_factory=list)


def read_transcript(
    path: Path,
    default_language: str = "en",
    interviewer_labels: tuple[str, ...] | list[str] = (),
    display_name: str | None = None,
) -> Transcript:
    """Read and parse one transcript file."""
    name = display_name or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TranscriptError(f"{name}: cannot read - {exc.strerror}") from None
    suffix = path.suffix.lower()
    if suffix not in TRANSCRIPT_SUFFIXES:
        raise TranscriptError(
            f"{name}: unsupported file type {suffix or '(none)'} - use .md, .txt, .docx, "
            ".vtt or .srt"
        )
    labels: set[str] = set()
    cues: list[tuple[int, int, float, float]] = []
    if suffix in TEXT_SUFFIXES:
        decoded = decode_bytes(data, name)
        text, encoding = decoded.text, decoded.encoding
        warnings = [decoded.warning] if decoded.warning else []
    else:
        from qualcode.converters import converted_text

        text, encoding, warnings, labels, cues = converted_text(path, name, data)
    return parse_transcript(
        text,
        stem=path.stem,
        name=name,
        default_language=default_language,
        interviewer_labels=interviewer_labels,
        encoding=encoding,
        warnings=warnings,
        known_labels=labels,
        cues=cues,
    )


class _FrontMatterLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but an impossible date (2024-13-45) is a YAML error with a
    line, not a ValueError from deep inside the loader."""


def _timestamp(loader: _FrontMatterLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid date {node.value!r} ({exc}) - write dates as YYYY-MM-DD",
            node.start_mark) from None


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load_yaml(text: str, name: str, first_line: int = 1, what: str = "front matter") -> Any:
    """Parse front matter or a sidecar file; a problem is one TranscriptError naming the
    file and line (`first_line` is the file's line number of the text's first line)."""
    try:
        return yaml.load(text, Loader=_FrontMatterLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = getattr(mark, "line", None)
        where = f" line {line + first_line}:" if line is not None else ""
        problem = getattr(exc, "problem", None)
        if isinstance(exc, yaml.constructor.ConstructorError) and problem:
            raise TranscriptError(f"{name}:{where} {problem}") from None
        raise TranscriptError(f"{name}:{where} invalid YAML {what} - write key: value "
                              "lines") from None
    except ValueError as exc:  # any other value the safe loader cannot build
        raise TranscriptError(f"{name}: invalid value in the {what} ({exc})") from None


def split_front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    """Split `---` YAML front matter from the body; returns (metadata, body)."""
    if not text.startswith("---\n") and text.strip() != "---":
        return {}, text
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    if end is None:
        raise TranscriptError(f"{name}: front matter opened with --- is never closed")
    raw = text[4 : 4 + end.start()]
    body_start = 4 + end.end()
    if text[body_start : body_start + 1] == "\n":
        body_start += 1
    meta = load_yaml(raw, name, first_line=2) or {}
    if not isinstance(meta, dict):
        raise TranscriptError(f"{name}: front matter must be a mapping of key: value")
    return meta, text[body_start:]


def _plain(value: Any) -> Any:
    """Front matter values as JSON-friendly plain values (dates become ISO strings)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def clean_value(value: Any) -> Any:
    """An attribute value as analysis should see it: surrounding white space trimmed;
    an empty string, an empty list or null is missing and comes back as None (the
    caller leaves the key out)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        items = [v for v in (clean_value(x) for x in value) if v is not None]
        return items or None
    if isinstance(value, dict):
        return clean_attributes(value) or None
    return value


def clean_attributes(values: dict[Any, Any]) -> dict[str, Any]:
    """Attributes with names and values trimmed; missing values (empty, null) left out."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        key = str(key).strip()
        value = clean_value(value)
        if key and value is not None:
            out[key] = value
    return out


def check_language(language: str, name: str) -> str:
    """The language code, lower-cased; an error naming the file when spaCy has no
    tokenizer rules for it (else auto-coding would fail later, for every document)."""
    from qualcode.autocode.pipeline import supported_languages

    code = language.strip().lower()
    known = supported_languages()
    if known and code not in known:
        raise TranscriptError(
            f"{name}: language {language!r} is not supported by spaCy - use one of "
            f"{', '.join(known)} (xx: multilingual)")
    return code


def parse_transcript(
    text: str,
    stem: str,
    name: str,
    default_language: str = "en",
    interviewer_labels: tuple[str, ...] | list[str] = (),
    encoding: str = "utf-8",
    warnings: list[str] | None = None,
    known_labels: set[str] | None = None,
    cues: list[tuple[int, int, float, float]] | None = None,
) -> Transcript:
    """Parse normalised transcript text (front matter + body) into a Transcript.
    `known_labels` are speaker labels the file's format already identified; `cues`
    the (start, end, start_time, end_time) of subtitle cues in the body."""
    meta, body = split_front_matter(text, name)
    if not body.strip():
        raise EmptyTranscriptError(
            f"{name}: empty transcript (no text{' after the front matter' if meta else ''}) "
            "- add its text, or rename it to start with _ so that import leaves it out")
    meta = _plain(meta)
    raw_speakers = meta.get("speakers")  # cleaned label by label in _speakers
    meta = clean_attributes(meta)
    doc_id = str(meta.get("id") or stem)
    respondent = str(meta.get("respondent") or doc_id)
    language = check_language(str(meta.get("language") or default_language), name)
    attributes = {k: v for k, v in meta.items() if k not in RESERVED_KEYS}
    attributes["language"] = language

    interviewers = meta.get("interviewer")
    if isinstance(interviewers, str | int):
        interviewers = [interviewers]
    if interviewers is not None and not isinstance(interviewers, list):
        raise TranscriptError(f"{name}: 'interviewer' must be a label or a list of labels")
    interviewer_set = {str(x) for x in (interviewers or interviewer_labels or ())}
    if not interviewer_set:
        interviewer_set = set(DEFAULT_INTERVIEWER_LABELS)

    speakers = _speakers(raw_speakers, name)
    turns, speaker_list = _turns(body, interviewer_set, speakers, respondent,
                                 known_labels or set())
    media = meta.get("media")
    if media is not None and not isinstance(media, str):
        raise TranscriptError(f"{name}: 'media' must be one file name, relative to "
                              "interviews/ (media: NE-07.m4a)")
    cue_rows = [Cue(start=a, end=b, start_time=t0, end_time=t1)
                for a, b, t0, t1 in (cues or [])]
    _time_turns(turns, cue_rows)
    return Transcript(
        id=doc_id,
        path=name,
        respondent=respondent,
        language=language,
        text=body,
        attributes=attributes,
        speakers=speaker_list,
        turns=turns,
        encoding=encoding,
        warnings=warnings or [],
        media=media,
        cues=cue_rows,
    )


def _time_turns(turns: list[Turn], cues: list[Cue]) -> None:
    """Start and end times of the turns: from the cues they hold (subtitles), else from
    their `[00:12:31]` stamps, each ending where the next timed turn starts."""
    from qualcode.timeline import parse_clock, turn_end_times

    if cues:
        for turn in turns:
            inside = [c for c in cues if c.start >= turn.start and c.end <= turn.end]
            if inside:
                turn.start_time = min(c.start_time for c in inside)
                turn.end_time = max(c.end_time for c in inside)
        return
    starts = [parse_clock(t.timestamp) for t in turns]
    for turn, s, e in zip(turns, starts, turn_end_times(starts, None), strict=True):
        turn.start_time, turn.end_time = s, e


def _speakers(raw: Any, name: str) -> dict[str, Speaker] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise TranscriptError(f"{name}: 'speakers' must map each label to a case id or mapping")
    out: dict[str, Speaker] = {}
    for raw_label, value in raw.items():
        label = str(raw_label).strip()
        if isinstance(value, str | int):
            case = clean_value(str(value)) or label
            out[label] = Speaker(label=label, case_id=str(case), role="respondent")
        elif isinstance(value, dict):
            attrs = clean_attributes(value)
            case = attrs.pop("case", None) or attrs.pop("id", None) or label
            out[label] = Speaker(
                label=label, case_id=str(case), role="respondent", attributes=attrs
            )
        else:
            raise TranscriptError(f"{name}: speakers.{label}: give a case id or a mapping")
    return out


def _label_of(match: re.Match[str]) -> str:
    return (match.group("bold") or match.group("plain")).strip()


def _turns(
    body: str,
    interviewer_set: set[str],
    declared: dict[str, Speaker] | None,
    respondent: str,
    known: set[str],
) -> tuple[list[Turn], list[Speaker]]:
    candidates = [m for m in _LABEL_LINE.finditer(body) if not _label_of(m).isdigit()]
    counts = Counter(_label_of(m) for m in candidates)
    lower_interviewers = {x.casefold() for x in interviewer_set}
    # a label written with other capitals than in `speakers:` is that speaker
    canonical = {k.casefold(): k for k in (declared or {})}

    def accepted(label: str) -> bool:
        folded = label.casefold()
        if folded in lower_interviewers or folded == respondent.casefold():
            return True  # declared in the front matter: a label even if it occurs once
        if declared is not None:
            return folded in canonical
        return (
            label in known
            or label in DEFAULT_RESPONDENT_LABELS
            or (counts[label] >= 2 and len(label.split()) <= 4)
        )

    starts = [m for m in candidates if accepted(_label_of(m))]
    speakers: dict[str, Speaker] = {}
    turns: list[Turn] = []

    def add(label: str | None, speech_start: int, speech_end: int, ts: str | None) -> None:
        seg = body[speech_start:speech_end]
        lead = len(seg) - len(seg.lstrip())
        s, e = speech_start + lead, speech_start + len(seg.rstrip())
        if e <= s and label is None:
            return
        e = max(e, s)
        if label is None:
            role, case = "none", None
        elif label.casefold() in lower_interviewers:
            role, case = "interviewer", None
        else:
            label = canonical.get(label.casefold(), label)
            sp = (declared or {}).get(label) or speakers.get(label)
            if sp is None:
                sp = Speaker(label=label, case_id=respondent, role="respondent")
            speakers.setdefault(label, sp)
            role, case = "respondent", sp.case_id
        if role == "interviewer":
            speakers.setdefault(label, Speaker(label=label, case_id="", role="interviewer"))
        turns.append(
            Turn(index=len(turns), speaker=label, case_id=case, role=role, start=s, end=e,
                 timestamp=ts)
        )

    if not starts:
        # No labelled turns at all: the whole body is the respondent's own text.
        add(respondent, 0, len(body), None)
        return turns, list(speakers.values())
    if body[: starts[0].start()].strip():
        add(None, 0, starts[0].start(), None)
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        ts = m.group("ts1") or m.group("ts2") or m.group("ts3")
        add(_label_of(m), m.end(), end, ts)
    if declared:
        for label, sp in declared.items():
            speakers.setdefault(label, sp)
    return turns, list(speakers.values())
