"""Domain errors. The CLI prints each as one line and exits 1."""

from __future__ import annotations


class QualcodeError(Exception):
    """A problem the user can fix; its message says what happened and what to do."""


class ProjectError(QualcodeError):
    """The project folder or its settings are missing or invalid."""


class TranscriptError(QualcodeError):
    """A transcript file cannot be read or parsed."""


class EmptyTranscriptError(TranscriptError):
    """A transcript file holds no text (0 bytes, white space, or front matter only)."""


class CodebookError(QualcodeError):
    """The codebook is invalid; the message lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = list(dict.fromkeys(problems))  # each problem once, in order
        first = self.problems[0] if self.problems else "invalid codebook"
        more = (f" (and {len(self.problems) - 1} more problem(s): qualcode codebook validate "
                "lists them all)" if len(self.problems) > 1 else "")
        super().__init__(first + more)


class StoreError(QualcodeError):
    """The store cannot be opened, or holds a schema this version cannot use."""


class CodingError(QualcodeError):
    """A coding request cannot be carried out (quote not found, ambiguous, not yours...)."""


class CoderRequired(QualcodeError):
    """A command that writes was run without a coder identity."""

    def __init__(self) -> None:
        super().__init__(
            "no coder set - pass --coder NAME, set QUALCODE_CODER, or add coder = \"NAME\" "
            "to qualcode.toml"
        )


class UsageError(QualcodeError):
    """Arguments are well-formed but do not make sense together."""


class InteropError(QualcodeError):
    """An exchange file (REFI-QDA .qdpx / .qde / .qdc) is unsafe, invalid or cannot be
    written; the message names the file and the element."""
class OutputError(QualcodeError):
    """An output file (export, table, figure) cannot be written."""
