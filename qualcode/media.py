"""Recordings beside the transcripts: which file a transcript names, whether a path
stays inside interviews/, and what a file is (kind, size, hash, duration).

Media files are never copied into the store: the store keeps where each is (relative
to interviews/) and what it was when imported; `status` compares. Durations come from
the standard library for WAV (`wave`) and from mutagen for the compressed formats."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

AUDIO = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".m4a": "audio/mp4",
         ".aac": "audio/aac", ".ogg": "audio/ogg", ".oga": "audio/ogg",
         ".opus": "audio/ogg", ".flac": "audio/flac"}
VIDEO = {".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm",
         ".mov": "video/quicktime", ".ogv": "video/ogg", ".mkv": "video/x-matroska"}
MEDIA_SUFFIXES = {**AUDIO, **VIDEO}


class MediaPathError(ValueError):
    """A media reference that does not stay inside interviews/ (the message says why)."""


def media_kind(ref: str) -> str | None:
    """audio | video by the file's suffix (None: not a media file qualcode plays)."""
    suffix = PurePosixPath(str(ref).replace("\\", "/")).suffix.lower()
    return "audio" if suffix in AUDIO else "video" if suffix in VIDEO else None


def mime_type(ref: str) -> str:
    return MEDIA_SUFFIXES.get(PurePosixPath(ref).suffix.lower(), "application/octet-stream")


def clean_ref(ref: str) -> str:
    """A `media:` value as a relative path with /; MediaPathError when it is absolute,
    climbs out with .., or is not an audio or video file."""
    raw = str(ref).strip().replace("\\", "/")
    if not raw:
        raise MediaPathError("is empty")
    path = PurePosixPath(raw)
    if path.is_absolute() or (len(raw) > 1 and raw[1] == ":"):
        raise MediaPathError("must be a path relative to interviews/, not an absolute one")
    if ".." in path.parts:
        raise MediaPathError("must stay inside interviews/ (no ..)")
    if media_kind(raw) is None:
        raise MediaPathError(f"is not an audio or video file (use one of "
                             f"{', '.join(sorted(MEDIA_SUFFIXES))})")
    return path.as_posix()


def resolve_media(interviews: Path, ref: str) -> Path:
    """The file a reference names, symlinks followed; MediaPathError when the result
    lies outside interviews/ (whatever the reference or a link says)."""
    rel = clean_ref(ref)
    base = interviews.resolve()
    target = (base / rel).resolve()
    if not target.is_relative_to(base):
        raise MediaPathError("points outside interviews/ (a link to another folder?)")
    return target


def beside(transcript: Path) -> str | None:
    """The media file of the same stem beside a transcript (the first by suffix order:
    audio before video), as a name relative to the transcript's folder."""
    for suffix in (*AUDIO, *VIDEO):
        for candidate in (transcript.with_suffix(suffix),
                          transcript.with_suffix(suffix.upper())):
            if candidate.is_file():
                return candidate.name
    return None


@dataclass(frozen=True)
class MediaFacts:
    size: int
    mtime: float
    sha256: str
    duration: float | None


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def media_facts(path: Path) -> MediaFacts:
    """Size, modification time, SHA-256 and duration (None when unreadable) of a file."""
    st = path.stat()
    return MediaFacts(st.st_size, st.st_mtime, file_hash(path), duration(path))


def duration(path: Path) -> float | None:
    """Length in seconds: WAV with the standard library, other formats with mutagen
    (None when the file cannot be read as audio or video)."""
    if path.suffix.lower() == ".wav":
        import wave

        try:
            with wave.open(str(path), "rb") as w:
                rate = w.getframerate()
                return round(w.getnframes() / rate, 3) if rate else None
        except (wave.Error, EOFError, OSError):
            pass  # WAV variants wave cannot read (float samples): try mutagen
    try:
        import mutagen
    except ImportError:  # pragma: no cover - mutagen is a dependency
        return None
    try:
        info = mutagen.File(str(path))
    except Exception:  # noqa: BLE001 - mutagen raises many kinds on damaged files
        return None
    length = getattr(getattr(info, "info", None), "length", None)
    return round(float(length), 3) if length else None
