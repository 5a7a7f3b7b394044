"""Tidy tables of the store: documents and codings (`qualcode export`)."""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from qualcode.errors import OutputError, UsageError
from qualcode.store import schema as t

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.project import Project

CODING_COLUMNS = ["id", "document", "case", "speaker", "code", "start", "end", "text",
                  "coder", "origin", "status", "rule", "anchor", "created_at", "updated_at"]


def documents_frame(project: Project, pseudonymize: bool = False) -> pd.DataFrame:
    """One row per document: id, case (the respondent), cases (every respondent who speaks
    in it: several in a focus group), language, words, every attribute, text."""
    import pandas as pd

    with project.engine.connect() as conn:
        rows = conn.execute(select(t.documents).order_by(t.documents.c.id)).all()
        speaking: dict[str, list[str]] = {}
        for doc, case in conn.execute(
                select(t.speakers.c.document_id, t.speakers.c.case_id).where(
                    t.speakers.c.role == "respondent", t.speakers.c.words > 0)
                .order_by(t.speakers.c.document_id, t.speakers.c.case_id).distinct()):
            speaking.setdefault(doc, []).append(case)
    records = []
    for r in rows:
        rec = {"document": r.id, "case": r.case_id, "cases": ", ".join(speaking.get(r.id, [])),
               "language": r.language, "path": r.path, "words": r.words,
               "respondent_words": r.respondent_words}
        for k, v in (r.attributes or {}).items():
            if k not in rec:
                rec[k] = ", ".join(map(str, v)) if isinstance(v, list) else v
        rec["text"] = r.text
        records.append(rec)
    cols = ["document", "case", "cases", "language", "path", "words", "respondent_words",
            "text"]
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=cols)
    df = df[[c for c in df.columns if c != "text"] + ["text"]]
    if pseudonymize:
        df = pseudonymize_frame(project, df)
    return df


def turns_frame(project: Project) -> pd.DataFrame:
    """Every turn: document, index, speaker, case, role, start, end."""
    import pandas as pd

    with project.engine.connect() as conn:
        rows = conn.execute(select(t.turns.c.document_id, t.turns.c.idx, t.turns.c.speaker,
                                   t.turns.c.case_id, t.turns.c.role, t.turns.c.start,
                                   t.turns.c.end)).all()
    return pd.DataFrame(rows, columns=["document", "turn", "speaker", "case", "role",
                                       "start", "end"])


def codings_frame(
    project: Project,
    codes: list[str] | None = None,
    coders: list[str] | None = None,
    origins: list[str] | None = None,
    statuses: list[str] | None = None,
    documents: list[str] | None = None,
    include_orphaned: bool = True,
    pseudonymize: bool = False,
) -> pd.DataFrame:
    """One row per coding with its document, case, speaker and provenance."""
    import pandas as pd

    c = t.codings.c
    q = select(c.id, c.document_id, c.case_id, c.speaker, c.start, c.end, c.text, c.code_id,
               c.coder, c.origin, c.status, c.rule, c.anchor, c.created_at, c.updated_at)
    for col, values in ((c.code_id, codes), (c.coder, coders), (c.origin, origins),
                        (c.status, statuses), (c.document_id, documents)):
        if values:
            q = q.where(col.in_(values))
    if not include_orphaned:
        q = q.where(c.anchor != "orphaned")
    with project.engine.connect() as conn:
        rows = conn.execute(q.order_by(c.document_id, c.start, c.id)).all()
    df = pd.DataFrame(rows, columns=["id", "document", "case", "speaker", "start", "end", "text",
                                     "code", "coder", "origin", "status", "rule", "anchor",
                                     "created_at", "updated_at"])
    df = df[CODING_COLUMNS]
    if pseudonymize:
        df = pseudonymize_frame(project, df)
    return df


def _salt(project: Project) -> bytes:
    """A per-project secret for pseudonyms; lives in .qualcode/ (never exported)."""
    path = project.root / ".qualcode" / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip().encode()


def pseudonym(salt: bytes, kind: str, value: str) -> str:
    return f"{kind}-{hashlib.sha256(salt + value.encode()).hexdigest()[:8]}"


def pseudonymize_frame(project: Project, df: pd.DataFrame) -> pd.DataFrame:
    """Replace document, case and speaker ids by stable keyed pseudonyms, in the id
    columns and wherever they occur as whole words in `text`; drop file paths."""
    salt = _salt(project)
    df = df.copy()
    mapping: dict[str, str] = {}
    for col, kind in (("document", "doc"), ("case", "case"), ("speaker", "case")):
        if col in df:
            for v in df[col].dropna().unique():
                mapping.setdefault(str(v), pseudonym(salt, kind, str(v)))
            df[col] = df[col].map(lambda v: mapping.get(str(v), v) if v is not None else v)
    if "cases" in df:
        for v in df["cases"].dropna():
            for case in filter(None, map(str.strip, str(v).split(","))):
                mapping.setdefault(case, pseudonym(salt, "case", case))
        df["cases"] = df["cases"].map(lambda v: ", ".join(
            mapping.get(c.strip(), c.strip()) for c in str(v).split(",") if c.strip()))
    if "path" in df:
        df = df.drop(columns="path")
    if "text" in df and mapping:
        pat = re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in
                                                 sorted(mapping, key=len, reverse=True))
                         + r")(?!\w)")
        df["text"] = df["text"].map(lambda s: pat.sub(lambda m: mapping[m.group(1)], s)
                                    if isinstance(s, str) else s)
    return df


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
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise cannot_write(path, exc) from None


def cannot_write(path: Path, exc: OSError) -> OutputError:
    """`cannot write PATH: reason` for an OSError raised while writing an output file."""
    import os

    if isinstance(exc.errno, int) and exc.errno:
        reason = os.strerror(exc.errno)
    else:
        reason = " ".join((exc.strerror or str(exc) or type(exc).__name__).split())
    if isinstance(exc, FileNotFoundError) or "non-existent directory" in reason:
        reason = f"{reason} (does the folder {path.parent} exist?)"
    return OutputError(f"cannot write {path}: {reason}")


def to_markdown(columns: list[str], rows: Any) -> str:
    """A GitHub-style markdown table."""
    def cell(v: Any) -> str:
        s = "" if v is None or (isinstance(v, float) and v != v) else str(v)
        return s.replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(columns) + " |"
    sep = "| " + " | ".join("---" for _ in columns) + " |"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join([head, sep, *body]) + "\n"
