"""Errors of the web workspace; the API answers each as JSON with its status."""

from __future__ import annotations

from qualcode.errors import QualcodeError


class ServeError(QualcodeError):
    """A request or a start-up setting the server refuses; `status` is the HTTP code."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


def status_of(exc: QualcodeError) -> int:
    """The HTTP status for a domain error: its own, 404 for unknown things, else 400."""
    if isinstance(exc, ServeError):
        return exc.status
    text = str(exc)
    if text.startswith(("unknown document", "no coding #")):
        return 404
    return 400
