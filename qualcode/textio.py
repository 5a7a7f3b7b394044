"""Decode transcript bytes to the stored text form: UTF-8, no BOM, `\\n` line ends, NFC."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from qualcode.errors import TranscriptError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    warning: str | None = None


def decode_bytes(data: bytes, name: str) -> Decoded:
    """Decode a file's bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252.

    cp1252 is a superset of the printable part of latin-1, so it covers both
    encodings common for French transcripts. Text that decodes only to control
    characters is not text: that is an error naming the byte offset.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _checked(data.decode("utf-16"), "utf-16", name, data, None)
        except UnicodeDecodeError as exc:
            raise TranscriptError(
                f"{name}: undecodable UTF-16 at byte {exc.start} - re-save the file as UTF-8"
            ) from None
    try:
        text = data.decode("utf-8-sig")
        return _checked(text, "utf-8", name, data, None)
    except UnicodeDecodeError as exc:
        utf8_error_at = exc.start
    mixed = _mixed(data, name)
    if mixed is not None:
        return mixed
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise TranscriptError(
            f"{name}: undecodable byte 0x{data[exc.start]:02x} at byte offset {exc.start} "
            "(neither UTF-8 nor cp1252/latin-1) - re-save the file as UTF-8"
        ) from None
    warning = (
        f"{name}: not UTF-8 (first invalid byte at offset {utf8_error_at}); "
        "decoded as cp1252/latin-1 - check accents, and re-save as UTF-8 to silence this"
    )
    return _checked(text, "cp1252", name, data, warning)


def _mixed(data: bytes, name: str) -> Decoded | None:
    """A file that is UTF-8 in parts and cp1252/latin-1 in others (text pasted from
    two sources): each part decoded as what it is, with a warning naming the first
    non-UTF-8 byte. None when the file has no valid multi-byte UTF-8 sequence at all
    (a plain cp1252 file) or bytes that neither encoding decodes."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    shift = len(data) - len(body)
    parts: list[str] = []
    utf8_multibyte = False
    first_bad: int | None = None
    pos = 0
    while pos < len(body):
        try:
            chunk = body[pos:].decode("utf-8")
            parts.append(chunk)
            utf8_multibyte = utf8_multibyte or any(b >= 0x80 for b in body[pos:])
            break
        except UnicodeDecodeError as exc:
            good = body[pos : pos + exc.start]
            parts.append(good.decode("utf-8"))
            utf8_multibyte = utf8_multibyte or any(b >= 0x80 for b in good)
            bad = body[pos + exc.start : pos + exc.end]
            if first_bad is None:
                first_bad = shift + pos + exc.start
            try:
                parts.append(bad.decode("cp1252"))
            except UnicodeDecodeError:
                return None
            pos += exc.end
    if not utf8_multibyte:
        return None
    warning = (
        f"{name}: mixes UTF-8 and cp1252/latin-1 text (first non-UTF-8 byte at offset "
        f"{first_bad}); each part was decoded as "
        "what it is - check accents there, and re-save the file as UTF-8 to silence this"
    )
    return _checked("".join(parts), "utf-8+cp1252", name, data, warning)


def _checked(text: str, encoding: str, name: str, data: bytes, warning: str | None) -> Decoded:
    bad = _CONTROL.search(text)
    if bad:
        codec = encoding if encoding in ("utf-8", "utf-16", "cp1252") else "utf-8"
        offset = len(text[: bad.start()].encode(codec))
        if codec == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
            offset += 3
        raise TranscriptError(
            f"{name}: control character U+{ord(bad.group()):04X} at byte offset {offset} - "
            "this does not look like a text transcript"
        )
    return Decoded(normalize_text(text), encoding, warning)


def normalize_text(text: str) -> str:
    """Remove a BOM, turn CRLF/CR into LF and normalise to Unicode NFC."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)
