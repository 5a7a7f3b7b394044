"""Short real recordings for the media tests, written with the standard library."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path


def write_wav(path: Path, seconds: float, rate: int = 8000, pitch: float = 440.0) -> Path:
    """A mono 16-bit WAV tone of `seconds` (a real file every browser can play)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = int(seconds * rate)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(
            struct.pack("<h", int(6000 * math.sin(2 * math.pi * pitch * i / rate)))
            for i in range(frames)))
    return path


# a transcript with stamps on every turn: R07 speaks from 4 s to 20 s
STAMPED = """
---
respondent: R07
media: NE-07.wav
---
Interviewer [00:00:00]: How was the cooperation with the partners?

R07 [00:00:04]: It was long and hard, and we did not know whom to trust at all.

Interviewer [00:00:20]: Thank you.

R07 [00:00:24]: You are welcome.
"""

VTT = """
WEBVTT

00:00:00.500 --> 00:00:03.000
<v Ana>Hello there, this is the first cue.

00:00:03.000 --> 00:00:06.250
<v Ana>And this is the second cue.

00:00:06.500 --> 00:00:09.000
<v Q>A question now?
"""
