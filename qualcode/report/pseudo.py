"""Pseudonymization of everything a report prints: document ids, case ids, speaker labels
and names from the front matter, replaced as whole words, case-insensitively."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qualcode.report.options import is_name_attribute

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.project import Project

# shorter values ("Q", "I", "A") are replaced only where they are a whole cell
MIN_IN_TEXT = 2
TEXT_SUFFIXES = (".md", ".markdown", ".txt")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass
class Pseudonymizer:
    """Maps identifying strings to pseudonyms; an empty mapping changes nothing."""

    mapping: dict[str, str] = field(default_factory=dict)
    _folded: dict[str, str] = field(default_factory=dict, repr=False)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._folded = {_nfc(k).casefold(): v for k, v in self.mapping.items()}
        keys = sorted((k for k in self._folded if len(k) >= MIN_IN_TEXT), key=len,
                      reverse=True)
        if keys:
            self._pattern = re.compile(
                r"(?<!\w)(" + "|".join(re.escape(k) for k in keys) + r")(?!\w)",
                re.IGNORECASE)

    @property
    def active(self) -> bool:
        return bool(self.mapping)

    def text(self, value: Any) -> Any:
        """A string with every identifier replaced; other values unchanged."""
        if not self.mapping or not isinstance(value, str):
            return value
        value = _nfc(value)
        whole = self._folded.get(value.strip().casefold())
        if whole is not None:
            return whole
        if self._pattern is None:
            return value
        return self._pattern.sub(lambda m: self._folded[m.group(1).casefold()], value)

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """Every string cell of a frame, replaced."""
        if not self.mapping:
            return df
        out = df.copy()
        for col in out.columns:
            if out[col].dtype == object or str(out[col].dtype).startswith(("str", "string")):
                out[col] = out[col].map(self.text)
        return out


def identities(project: Project, documents: pd.DataFrame, units: pd.DataFrame
               ) -> dict[str, set[str]]:
    """Identifying strings by kind: document ids, case ids, speaker labels and names (from
    codings, from name-like attributes and from the front matter of text transcripts)."""
    found: dict[str, set[str]] = {"document": set(), "case": set(), "speaker": set()}
    found["document"].update(map(str, documents.get("document", [])))
    found["case"].update(map(str, documents.get("case", [])))
    for cell in documents.get("cases", []):
        found["case"].update(c.strip() for c in str(cell).split(",") if c.strip())
    found["case"].update(map(str, units.get("case", [])))
    codings = project.codings()
    found["speaker"].update(str(s) for s in codings["speaker"].dropna())
    for frame in (documents, units):
        for col in frame.columns:
            if is_name_attribute(col):
                found["speaker"].update(_values(frame[col]))
    for rel in documents.get("path", []):
        _front_matter_identities(project, str(rel or ""), found)
    for kind in found:
        found[kind] = {_nfc(v).strip() for v in found[kind]
                       if v and v.strip() and v.strip() != "(none)"}
    return found


def _values(series: pd.Series) -> set[str]:
    out = set()
    for v in series.dropna():
        out.update(p.strip() for p in str(v).split(",") if p.strip())
    return out


def _front_matter_identities(project: Project, rel: str, found: dict[str, set[str]]) -> None:
    """Speaker and interviewer labels, respondent ids and name-like values of one text
    transcript's front matter (other formats carry no front matter)."""
    from qualcode.errors import QualcodeError
    from qualcode.transcripts import split_front_matter

    path = project.root / rel
    if not rel or path.suffix.lower() not in TEXT_SUFFIXES or not path.is_file():
        return
    try:
        meta, _ = split_front_matter(path.read_text(encoding="utf-8-sig"), rel)
    except (QualcodeError, UnicodeDecodeError, OSError):
        return
    for key in ("id", "respondent"):
        if meta.get(key) is not None:
            found["case" if key == "respondent" else "document"].add(str(meta[key]))
    labels = meta.get("interviewer")
    found["speaker"].update(map(str, labels if isinstance(labels, list) else
                                [labels] if labels else []))
    speakers = meta.get("speakers")
    if isinstance(speakers, dict):
        for label, value in speakers.items():
            found["speaker"].add(str(label))
            if isinstance(value, dict):
                for k, v in value.items():
                    if k in ("case", "id"):
                        found["case"].add(str(v))
                    elif is_name_attribute(str(k)) and v is not None:
                        found["speaker"].add(str(v))
            elif value is not None:
                found["case"].add(str(value))
    for k, v in meta.items():
        if is_name_attribute(str(k)) and k != "interviewer" and v is not None:
            found["speaker"].update(map(str, v if isinstance(v, list) else [v]))


def pseudonymizer(project: Project, documents: pd.DataFrame, units: pd.DataFrame
                  ) -> Pseudonymizer:
    """The mapping of qualcode.export.pseudonymize_frame (the same keyed pseudonyms as
    `export --pseudonymize`), extended to names; a value it leaves alone gets `anon-N`."""
    import pandas as pd

    from qualcode.export import pseudonymize_frame

    found = identities(project, documents, units)
    mapping: dict[str, str] = {}
    for kind, values in found.items():
        ordered = sorted(values)
        if not ordered:
            continue
        out = pseudonymize_frame(project.workspace, pd.DataFrame({kind: ordered}, dtype=object))
        for before, after in zip(ordered, out[kind], strict=True):
            mapping.setdefault(before, str(after))
    for i, key in enumerate(sorted(k for k, v in mapping.items() if v == k), start=1):
        mapping[key] = f"anon-{i}"
    return Pseudonymizer(mapping)
