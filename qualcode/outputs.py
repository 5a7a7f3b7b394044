"""Writing an output file (a report, an export, an exchange file) safely: a regular file
is replaced atomically (a killed process never leaves half a file), a symlink is
followed (its target is written, the link stays), a device or pipe is written in place;
any failure is one OutputError naming the file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from qualcode.errors import OutputError


def cannot_write(path: Path, exc: OSError) -> OutputError:
    """`cannot write PATH: reason` for an OSError raised while writing an output file."""
    if isinstance(exc.errno, int) and exc.errno:
        reason = os.strerror(exc.errno)
    else:
        reason = " ".join((exc.strerror or str(exc) or type(exc).__name__).split())
    if isinstance(exc, FileNotFoundError) or "non-existent directory" in reason:
        reason = f"{reason} (does the folder {path.parent} exist?)"
    return OutputError(f"cannot write {path}: {reason}")


def write_output(path: Path, data: bytes | str) -> Path:
    """Write `data` (text as UTF-8) to `path`; returns the path."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    real = Path(os.path.realpath(path))
    try:
        if real.exists() and not real.is_file():  # /dev/stdout, a named pipe...
            with open(real, "wb") as fh:
                fh.write(raw)
            return path
        if not real.parent.is_dir():
            raise OutputError(f"cannot write {path}: the folder {real.parent} does not "
                              "exist")
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", dir=real.parent)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.chmod(tmp, 0o644)
        os.replace(tmp, real)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise cannot_write(path, exc) from None
    return path


def write_cache(path: Path, data: bytes) -> None:
    """Write a cache file atomically, best effort: a read-only project only costs time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass
