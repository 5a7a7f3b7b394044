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


def _checked(text: str, encoding: str, name: str, data: bytes, warning: str | None) -> Decoded:
    bad = _CONTROL.search(text)
    if bad:
        offset = len(text[: bad.start()].encode(encoding if encoding != "utf-16" else "utf-16"))
        if encoding == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
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
