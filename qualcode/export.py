"""Exports of the store's tables (`qualcode export`): pseudonymised on request, written
as csv, json, markdown or parquet. The frames themselves come from `datasets`."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import OutputError, UsageError
from qualcode.outputs import cannot_write, write_output

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.workspace import Workspace

def documents_frame(ws: Workspace, pseudonymize: bool = False,
                    documents: list[str] | None = None) -> pd.DataFrame:
    """`datasets.documents`, pseudonymised on request (`qualcode export documents`)."""
    from qualcode import datasets

    df = datasets.documents(ws, documents)
    return pseudonymize_frame(ws, df) if pseudonymize else df


def codings_frame(ws: Workspace, codes: list[str] | None = None,
                  coders: list[str] | None = None, origins: list[str] | None = None,
                  statuses: list[str] | None = None, documents: list[str] | None = None,
                  include_orphaned: bool = True, pseudonymize: bool = False) -> pd.DataFrame:
    """`datasets.codings`, pseudonymised on request (`qualcode export codings`)."""
    from qualcode import datasets

    df = datasets.with_times(ws, datasets.codings(ws, codes, coders, origins, statuses,
                                                  documents, include_orphaned))
    return pseudonymize_frame(ws, df) if pseudonymize else df


def _salt(ws: Workspace) -> bytes:
    """A per-project secret for pseudonyms; lives in .qualcode/ (never exported)."""
    path = ws.root / ".qualcode" / "pseudonym.key"
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(16), encoding="utf-8")
        return path.read_text(encoding="utf-8").strip().encode()
    except OSError as exc:
        raise OutputError(f"cannot keep the pseudonym key in {path}: "
                          f"{exc.strerror or exc} - pseudonyms need a key that stays the "
                          "same from one export to the next") from None


def pseudonym(salt: bytes, kind: str, value: str) -> str:
    return f"{kind}-{hashlib.sha256(salt + value.encode()).hexdigest()[:8]}"


# --- pseudonymised exports -------------------------------------------------------------
# What is hidden, and how, is in docs/decisions.md ("Pseudonymised exports"): every
# document id, case id and speaker label, and each name part of a multi-word label,
# whole-word, whatever its capitals, in every column that can hold them.

# Words of a label that are not a name: titles, ranks, roles, particles (casefolded).
NOT_NAMES = frozenset("""
mr mrs ms miss mx dr prof professor sir madam dame lord lady m mme mlle monsieur madame
mademoiselle docteur maître
general gen colonel col lieutenant lt captain capt major commander commandant admiral
sergeant sgt corporal cpl private pvt soldier officer chief warrant adjutant marshal
brigadier ensign cadet général lieutenant-colonel capitaine sergent sergent-chef adjudant
adjudant-chef caporal caporal-chef soldat officier sous-officier aspirant chef maréchal
gendarme police agent
minister ambassador president mayor governor senator deputy secretary director father
mother sister brother uncle aunt imam sheikh cheikh elder pastor reverend marabout chef
ministre ambassadeur président maire gouverneur député directeur directrice père mère
sœur frère oncle tante pasteur
the of and de du des la le les d l van von der den da di del della dos el al ben bin ibn
ould ag abu umm y e et
interviewer interviewee respondent participant speaker moderator moderatrice modératrice
modérateur enquêteur enquêtrice enquêté enquêtée intervieweur intervieweuse répondant
répondante translator traducteur traductrice interpreter interprète voice voix unknown
inconnu inconnue group groupe member membre person personne
""".split())


@dataclass(frozen=True)
class Pseudonyms:
    """What a pseudonymised export hides: document ids -> `doc-...` for the document
    column; every name to hide in any text (case ids, speaker labels, name parts,
    document ids) -> its pseudonym."""

    documents: dict[str, str]
    names: dict[str, str]


def pseudonym_names(ws: Workspace, salt: bytes | None = None) -> Pseudonyms:
    """The names a pseudonymised export of this project hides, read from the store
    (documents and their cases, every turn's speaker and case) and from the transcript
    files' front matter (speakers declared in `speakers:` who never speak)."""
    from qualcode.transcripts import DEFAULT_INTERVIEWER_LABELS, DEFAULT_RESPONDENT_LABELS

    salt = salt if salt is not None else _salt(ws)
    from qualcode import datasets

    docs = datasets.documents(ws)
    turns = datasets.turns(ws)
    cases = [*docs["case"].dropna().astype(str)]
    for value in docs["cases"].dropna():
        cases += [c.strip() for c in str(value).split(",") if c.strip()]
    speakers = [(str(r.speaker), None if r.case is None or r.case != r.case else str(r.case),
                 str(r.role)) for r in turns.itertuples(index=False) if r.speaker]
    speakers += _declared_speakers(ws, docs)
    keep = {*DEFAULT_INTERVIEWER_LABELS, *DEFAULT_RESPONDENT_LABELS,
            *ws.settings.interviewer_labels}
    return build_pseudonyms(salt, docs["document"].astype(str), cases, speakers, keep)


def _declared_speakers(ws: Workspace, docs: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(label, case, role) of every speaker the transcripts declare (also those who never
    speak, from `speakers:`), and each document's respondent."""
    from qualcode.store.documents import speaker_rows

    with ws.engine.connect() as conn:
        rows = speaker_rows(conn)
    out = [(r.label, r.case_id or None, r.role) for r in rows]
    out += [(str(c), str(c), "respondent") for c in docs["case"].dropna()]
    return out


def build_pseudonyms(salt: bytes, documents: Iterable[str], cases: Iterable[str],
                     speakers: Iterable[tuple[str, str | None, str]],
                     keep: Iterable[str] = ()) -> Pseudonyms:
    """The Pseudonyms for these document ids, case ids and (label, case, role) speakers.

    A case id becomes `case-...`; a respondent's label becomes its case's pseudonym (so
    "Moussa Diallo" and N15 read the same), or `speaker-...` when the label stands for
    several cases; other labels (a named interviewer) become `speaker-...`. Labels in
    `keep` (role words such as Interviewer, R, A) stay. Each name part of a multi-word
    label or case id (a capitalised word of two letters or more that is not a title,
    rank, role or particle: "Moussa" and "Diallo" of "Lieutenant Moussa Diallo") becomes
    the pseudonym of the one person it names, or `name-...` when it names several."""
    kept = {unicodedata.normalize("NFC", k).casefold() for k in keep}
    names: dict[str, str] = {}
    case_of: dict[str, str] = {}

    def add(name: str, value: str) -> None:
        names.setdefault(name, value)

    for case in cases:
        case = _nfc(case)
        if case:
            case_of[case] = pseudonym(salt, "case", case)
            add(case, case_of[case])
    label_cases: dict[str, set[str]] = {}
    roles: dict[str, str] = {}
    for label, case, role in speakers:
        label = _nfc(label)
        if not label or label.casefold() in kept:
            continue
        if role == "respondent" and case:
            label_cases.setdefault(label, set()).add(_nfc(case))
            case_of.setdefault(_nfc(case), pseudonym(salt, "case", _nfc(case)))
            add(_nfc(case), case_of[_nfc(case)])
        else:
            label_cases.setdefault(label, set())
        roles.setdefault(label, role)
    for label, label_case_set in label_cases.items():
        if len(label_case_set) == 1:
            add(label, case_of[next(iter(label_case_set))])
        else:
            add(label, pseudonym(salt, "speaker", label))
    part_owner: dict[str, set[str]] = {}
    for full in [*label_cases, *case_of]:
        for part in name_parts(full):
            part_owner.setdefault(part, set()).add(names[full])
    for part, owners in part_owner.items():
        if part.casefold() in kept:
            continue
        add(part, next(iter(owners)) if len(owners) == 1 else pseudonym(salt, "name", part))
    doc_map = {}
    for doc in documents:
        doc = _nfc(doc)
        doc_map[doc] = pseudonym(salt, "doc", doc)
        add(doc, doc_map[doc])  # a document id that is also a case id reads as the case
    return Pseudonyms(documents=doc_map, names=names)


def name_parts(label: str) -> list[str]:
    """The words of a multi-word label that are names (see build_pseudonyms)."""
    words = [w for w in re.split(r"[\s\-]+", label) if w]
    if len(words) < 2:
        return []
    out = []
    for word in words:
        word = word.strip(".,;:()[]\"'’")
        letters = sum(ch.isalpha() for ch in word)
        if letters >= 2 and word[:1].isupper() and word.casefold() not in NOT_NAMES:
            out.append(word)
    return out


def _nfc(value: object) -> str:
    return unicodedata.normalize("NFC", str(value)).strip()


# columns that never hold a person's name: left as they are
_STRUCTURAL = {"id", "code", "coder", "origin", "status", "rule", "score", "anchor", "language",
               "start", "end", "words", "respondent_words", "created_at", "updated_at",
               "decided_by", "decided_at", "turn", "role"}


def pseudonymize_table(df: pd.DataFrame, pseudonyms: Pseudonyms) -> pd.DataFrame:
    """Replace every name of `pseudonyms` in every text column of df (whole words, any
    capitals, Unicode-aware; the longest name first, so a full label is replaced before
    its parts) and drop file paths. The document column maps to `doc-...`."""
    df = df.copy()
    if "path" in df:
        df = df.drop(columns="path")
    sub = name_substituter(pseudonyms.names)
    for col in df.columns:
        if str(col) in _STRUCTURAL or df[col].dtype.kind not in "OSU":
            continue
        exact = pseudonyms.documents if col == "document" else pseudonyms.names \
            if col in ("case", "speaker") else {}
        df[col] = df[col].map(
            lambda v, exact=exact: (exact.get(_nfc(v)) or sub(v)) if isinstance(v, str)
            else v)
    return df


def name_substituter(names: dict[str, str]) -> Any:
    """A function replacing every name in a string (see pseudonymize_table). The names
    are compiled into one regular expression shaped as a trie, so each word of a text is
    checked in time proportional to its length, not to the number of names."""
    if not names:
        return lambda s: s
    folded: dict[str, str] = {}
    exact: dict[str, str] = {}
    for name, value in names.items():
        name = " ".join(unicodedata.normalize("NFC", name).split())
        if len(name) < 2:
            exact.setdefault(name, value)  # "C" of "Soldat C" only as written: "c'est"
        else:
            folded.setdefault(name.lower(), value)
    parts = []
    if folded:
        parts.append(f"(?i:{_trie_pattern(sorted(folded))})")
    if exact:
        parts.append("|".join(re.escape(n) for n in sorted(exact)))
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")

    def replace(match: re.Match[str]) -> str:
        found = " ".join(match.group().split())
        return exact.get(found) or folded.get(found.lower(), match.group())

    def sub(text: str) -> str:
        return pattern.sub(replace, unicodedata.normalize("NFC", text))

    return sub


def _trie_pattern(names: list[str]) -> str:
    """A regex matching any of `names` (white space as any run of it), the longest first
    where one name continues another."""
    trie: dict[str, dict] = {}
    for name in names:
        node = trie
        for unit in name:
            node = node.setdefault(unit, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:
        branches = [(r"\s+" if unit == " " else re.escape(unit)) + render(child)
                    for unit, child in sorted(node.items()) if unit]
        if not branches:
            return ""
        if len(branches) == 1 and "" not in node:
            return branches[0]
        return "(?:" + "|".join(branches) + ("|" if "" in node else "") + ")"

    return render(trie)


def pseudonymize_frame(ws: Workspace, df: pd.DataFrame) -> pd.DataFrame:
    """Replace document ids, case ids, speaker labels and their name parts by stable
    keyed pseudonyms in every column (see pseudonym_names, pseudonymize_table)."""
    return pseudonymize_table(df, pseudonym_names(ws))


def write_frame(df: pd.DataFrame | list[dict[str, Any]], fmt: str,
                path: Path | None) -> str | None:
    """Write a frame (or plain rows) as csv, json (records), markdown or parquet; returns
    the text when no path is given."""
    if isinstance(df, list):
        return _write_rows(df, fmt, path)
    if fmt == "parquet":
        if path is None:
            raise UsageError("parquet is binary - give an output file with -o FILE")
        try:
            df.to_parquet(path, index=False)
        except OSError as exc:
            raise cannot_write(path, exc) from None
        return None
    if fmt == "csv":
        out = df.to_csv(index=False)
    elif fmt == "json":
        import json

        records = [{str(k): _json_value(v) for k, v in row.items()}
                   for row in df.to_dict("records")]
        out = json.dumps(records, ensure_ascii=False, indent=1)
    elif fmt == "markdown":
        out = to_markdown([str(c) for c in df.columns], df.itertuples(index=False))
    else:
        raise UsageError(f"unknown format {fmt!r} - use csv, json, markdown or parquet")
    return _deliver(out, path)


def _json_value(value: Any) -> Any:
    """A JSON-ready value: exact floats (shortest repr), NaN/NaT -> null, times -> ISO."""
    import math

    if value is None:
        return None
    if hasattr(value, "isoformat"):
        try:
            return value.isoformat()
        except ValueError:  # NaT
            return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _write_rows(rows: list[dict[str, Any]], fmt: str, path: Path | None) -> str | None:
    """The same formats for plain rows, without pandas (fast commands stay fast)."""
    import csv
    import io
    import json

    columns = list(rows[0]) if rows else []
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        out = buf.getvalue()
    elif fmt == "json":
        out = json.dumps(rows, ensure_ascii=False, indent=1, default=str)
    elif fmt == "markdown":
        out = to_markdown(columns, ([r.get(c) for c in columns] for r in rows))
    else:
        raise UsageError(f"format {fmt!r} is not available here - use csv, json or markdown")
    return _deliver(out, path)


def _deliver(text: str, path: Path | None) -> str | None:
    if path is None:
        return text
    write_text_file(path, text)
    return None


def write_text_file(path: Path, text: str) -> None:
    """Write an output file; any failure is one OutputError naming the file."""
    write_output(path, text)


def to_markdown(columns: list[str], rows: Any) -> str:
    """A GitHub-style markdown table."""
    def cell(v: Any) -> str:
        s = "" if v is None or (isinstance(v, float) and v != v) else str(v)
        return s.replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(columns) + " |"
    sep = "| " + " | ".join("---" for _ in columns) + " |"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join([head, sep, *body]) + "\n"
