"""Word (.docx) and subtitle (.vtt, .srt) transcripts, converted to transcript text.

The result is the same text form as a .md/.txt transcript: optional front matter, then
turns `LABEL [hh:mm:ss]: text`. Offsets refer to the converted body, which is what the
store keeps. Attributes come from front matter typed at the top of a Word document or
from a sidecar file `<name>.yaml` beside the transcript.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import yaml

from qualcode.errors import TranscriptError
from qualcode.textio import decode_bytes, normalize_text

CONVERTED_SUFFIXES = {".docx", ".vtt", ".srt"}
_TIMING = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*"
    r"(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})")
_VOICE = re.compile(r"^<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")
_PREFIX = re.compile(r"^([^\W\d_][^:\n]{0,39}?)\s*:\s+(.*)$", re.S)


def sidecar(path: Path) -> Path | None:
    """The attributes file beside a converted transcript, if any."""
    for suffix in (".yaml", ".yml"):
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def source_bytes(path: Path) -> bytes:
    """What decides whether a transcript changed: its bytes and its sidecar's."""
    data = path.read_bytes()
    side = sidecar(path) if path.suffix.lower() in CONVERTED_SUFFIXES else None
    return data + b"\0sidecar\0" + side.read_bytes() if side else data


Cues = list[tuple[int, int, float, float]]


def converted_text(path: Path, name: str, data: bytes
                   ) -> tuple[str, str, list[str], set[str], Cues]:
    """(text with front matter, encoding, warnings, speaker labels known from the format,
    subtitle cues as (start, end, start_time, end_time) in the body) for a .docx, .vtt
    or .srt file."""
    suffix = path.suffix.lower()
    warnings: list[str] = []
    labels: set[str] = set()
    cues: Cues = []
    if suffix == ".docx":
        body, encoding = docx_text(data, name), "docx"
    else:
        decoded = decode_bytes(data, name)
        if decoded.warning:
            warnings.append(decoded.warning)
        body, labels, cues = subtitle_cues(decoded.text, name)
        encoding = decoded.encoding
    side = sidecar(path)
    if side is not None:
        if body.startswith("---\n"):
            raise TranscriptError(f"{name}: attributes both at the top of the file and in "
                                  f"{side.name} - keep one")
        from qualcode.transcripts import load_yaml

        try:
            raw = side.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise TranscriptError(f"{side}: not UTF-8 - save it as UTF-8") from None
        meta = load_yaml(raw, str(side), what="attributes file") or {}
        if not isinstance(meta, dict):
            raise TranscriptError(f"{side}: must be a mapping of key: value")
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
        body = f"---\n{front}---\n{body}"
    return body, encoding, warnings, labels, cues


def docx_text(data: bytes, name: str) -> str:
    """The paragraphs of a Word document, one per line (tables are not read)."""
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError:  # pragma: no cover - python-docx is a dependency
        raise TranscriptError("reading .docx needs python-docx - pip install python-docx"
                              ) from None
    if not data.startswith(b"PK"):
        raise TranscriptError(f"{name}: not a Word .docx document (a .doc file? save it as "
                              ".docx)")
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError):
        raise TranscriptError(f"{name}: not a Word .docx document (a .doc file? save it as "
                              ".docx)") from None
    except Exception:  # noqa: BLE001 - zip and XML errors of damaged files
        raise TranscriptError(f"{name}: damaged Word document - open and re-save it") from None
    return normalize_text("\n".join(p.text for p in document.paragraphs) + "\n")


def _clock(stamp: str) -> str:
    parts = stamp.replace(",", ".").split(".")[0].split(":")
    parts = ["0"] * (3 - len(parts)) + parts
    h, m, s = (int(x) for x in parts)
    return f"{h:02d}:{m:02d}:{s:02d}"


def subtitle_text(text: str, name: str) -> tuple[str, set[str]]:
    """Cues of a WebVTT or SubRip file as turns (see `subtitle_cues`): the text and the
    speaker labels found."""
    body, labels, _ = subtitle_cues(text, name)
    return body, labels


def subtitle_cues(text: str, name: str) -> tuple[str, set[str], Cues]:
    """Cues of a WebVTT or SubRip file as turns. A speaker comes from a VTT voice tag
    (`<v Ana>`) or a `Name: ` prefix; a cue without one continues the previous speaker's
    turn; a file without any speaker is the respondent's own text. Returns the text, the
    speaker labels found and each cue's (start, end, start_time, end_time) in the text."""
    from qualcode.timeline import parse_clock

    blocks = re.split(r"\n\s*\n", text.strip())
    turns: list[list] = []  # [label, timestamp, [(cue text, start s, end s)]]
    unlabelled: list[tuple[str, float, float]] = []
    for block in blocks:
        lines = [ln for ln in block.split("\n") if ln.strip()]
        timing_at = next((i for i, ln in enumerate(lines) if _TIMING.match(ln)), None)
        if timing_at is None:
            continue  # WEBVTT header, NOTE, STYLE, REGION blocks
        timing = _TIMING.match(lines[timing_at])
        stamp = _clock(timing.group("start"))
        t0, t1 = parse_clock(timing.group("start")), parse_clock(timing.group("end"))
        t1 = t1 if t1 is not None and t0 is not None and t1 >= t0 else t0
        raw = " ".join(lines[timing_at + 1:]).strip()
        voice = _VOICE.match(raw)
        label = voice.group(1).strip() if voice else None
        cue = " ".join(_TAG.sub("", raw).split())
        if label is None:
            prefixed = _PREFIX.match(cue)
            if prefixed and len(prefixed.group(1).split()) <= 4:
                label, cue = prefixed.group(1).strip(), prefixed.group(2).strip()
        if not cue:
            continue
        piece = (normalize_text(cue), t0 or 0.0, t1 or 0.0)
        if label is None and not turns:
            unlabelled.append(piece)
        elif label is None or (turns and turns[-1][0] == label):
            turns[-1][2].append(piece)
        else:
            turns.append([label, stamp, [piece]])
    if not turns and not unlabelled:
        raise TranscriptError(f"{name}: no subtitle cues found (expected lines like "
                              "00:00:01.000 --> 00:00:04.000)")
    out: list[str] = []
    cues: Cues = []
    pos = 0

    def add(head: str, pieces: list[tuple[str, float, float]]) -> None:
        nonlocal pos
        if out:
            out.append("\n\n")
            pos += 2
        out.append(head)
        pos += len(head)
        for k, (cue, t0, t1) in enumerate(pieces):
            if k:
                out.append(" ")
                pos += 1
            out.append(cue)
            cues.append((pos, pos + len(cue), t0, t1))
            pos += len(cue)

    if unlabelled:
        add("", unlabelled)
    for label, stamp, pieces in turns:
        add(f"{normalize_text(label)} [{stamp}]: ", pieces)
    body = "".join(out) + "\n"
    if normalize_text(body) != body:  # pragma: no cover - NFC across a join: no cue times
        body, cues = normalize_text(body), []
    return body, {label for label, _, _ in turns}, cues
