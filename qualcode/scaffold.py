"""`qualcode init`: create a project folder with a starter codebook and settings."""

from __future__ import annotations

from pathlib import Path

from qualcode.errors import ProjectError
from qualcode.settings import SETTINGS_FILE

STARTER_SETTINGS = """\
# qualcode project settings - every key is described in qualcode's docs/formats.md
name = "{name}"
language = "en"          # default transcript language (front matter `language:` wins)
# coder = "your-name"    # or pass --coder / set QUALCODE_CODER
# db = "postgresql://user@host/dbname"   # a team store; default .qualcode/qualcode.db

# Ordered attributes get trend tests in `qualcode compare`:
# [order]
# rank = ["junior", "mid", "senior"]
"""

STARTER_CODEBOOK = """\
codebook: {name}
version: 1
codes:
  - id: example_theme
    name: Example theme
    color: "#1b9e77"
    description: Replace this with a theme of your study.
    include: When a respondent talks about the theme, in their own words.
    exclude: When only the interviewer mentions it.
    examples: ["an example sentence a respondent might say"]
    rules:
      en: ["example phrase", {{near: [example, theme], within: 5}}]
"""

STARTER_TRANSCRIPT = """\
---
id: example-01
respondent: R01
language: en
date: 2024-01-15
group: pilot
---
Interviewer: Could you tell me about the example theme?

R01: Well, I would say the example phrase sums it up, more or less.
"""

GITIGNORE = ".qualcode/\n"


def init_project(folder: Path, name: str | None = None) -> list[Path]:
    """Create the project skeleton in `folder`; never overwrites an existing file."""
    folder = folder.resolve()
    if (folder / SETTINGS_FILE).exists():
        raise ProjectError(f"{folder} is already a qualcode project ({SETTINGS_FILE} exists)")
    if folder.exists() and not folder.is_dir():
        raise ProjectError(f"{folder} exists and is not a folder")
    name = name or folder.name
    files = {
        SETTINGS_FILE: STARTER_SETTINGS.format(name=name.replace('"', "'")),
        "codebook/codebook.yaml": STARTER_CODEBOOK.format(name=name),
        "interviews/example-01.md": STARTER_TRANSCRIPT,
        ".gitignore": GITIGNORE,
    }
    created = []
    for rel, content in files.items():
        path = folder / rel
        try:
            if path.exists():
                if rel == ".gitignore" and ".qualcode" not in path.read_text(encoding="utf-8"):
                    with path.open("a", encoding="utf-8") as fh:
                        fh.write("\n" + GITIGNORE)
                    created.append(path)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        except OSError as exc:
            import os

            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            done = f" (created so far: {', '.join(str(p) for p in created)})" if created else ""
            raise ProjectError(f"cannot create {path}: {reason} - choose a folder you can "
                               f"write to{done}") from None
        created.append(path)
    return created
