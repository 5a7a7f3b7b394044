"""`qualcode excerpts`: coded passages with speaker, case attributes and context."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from qualcode.analysis.filters import apply_filters
from qualcode.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from qualcode.codebook import Codebook


def excerpts(
    codings: pd.DataFrame,
    respondents: pd.DataFrame,
    texts: Mapping[str, str],
    code: str,
    where: list[str] | None = None,
    context: int = 0,
    codebook: Codebook | None = None,
    rollup: bool = True,
) -> Excerpts:
    """Passages coded with `code` (and its sub-codes with rollup): document, case, speaker,
    attributes, coded code, coder, origin, status, start, end, start_time, end_time,
    approximate (when `codings` has those), before, text, after.
    A coding field whose name is also a respondent attribute (a study with an `origin`
    attribute) is renamed coding_<name>; filters apply to the attribute.

    `codings`: one row per coding (id, document, case, speaker, code, coder, origin,
    status, start, end, text), already filtered to the coders and statuses wanted;
    `respondents`: their attributes; `texts`: document -> text, for the context.
    `context` is a number of characters on each side, widened to whole words.
    """
    if codebook is not None:
        if code not in codebook.by_id():
            raise UsageError(f"unknown code {code!r} - see qualcode codebook show")
        wanted = codebook.descendants(code) if rollup else [code]
    else:
        wanted = [code]
    rows = codings[codings.code.isin(wanted) & codings.case.notna()]
    from qualcode.analysis.units import with_units

    units = with_units(respondents).drop(columns=["words", "unit"], errors="ignore")
    attrs = [c for c in units.columns if c not in ("document", "case")]
    # attribute names are the user's: a coding field of the same name becomes coding_<name>
    clash = {c: f"coding_{c}" for c in rows.columns if c in set(attrs)}
    rows = rows.rename(columns=clash).merge(units, on=["document", "case"], how="left")
    rows = apply_filters(rows, where, universe=units)
    before, after = [], []
    for r in rows.itertuples():
        full = texts[r.document]
        before.append(_widen_left(full, r.start, context) if context else "")
        after.append(_widen_right(full, r.end, context) if context else "")
    rows = rows.assign(before=before, after=after)
    fields = [clash.get(c, c) for c in ("code", "coder", "origin", "status", "rule", "score",
                                         "start", "end")]
    # times in the recording, where the codings carry them (datasets.with_times)
    fields += [clash.get(c, c) for c in ("start_time", "end_time", "approximate")
               if c in rows.columns]
    cols = ["id", "document", "case", "speaker", *attrs, *fields, "before",
            clash.get("text", "text"), "after"]
    out = rows.reindex(columns=cols).reset_index(drop=True)
    return Excerpts(out)


def _widen_left(text: str, start: int, n: int) -> str:
    a = max(0, start - n)
    while a > 0 and not text[a - 1].isspace():
        a -= 1
    return text[a:start]


def _widen_right(text: str, end: int, n: int) -> str:
    b = min(len(text), end + n)
    while b < len(text) and not text[b].isspace():
        b += 1
    return text[end:b]


class Excerpts(pd.DataFrame):
    """A DataFrame of excerpts that shows highlighted passages in Jupyter."""

    _metadata: list[str] = []

    @property
    def _constructor(self):  # noqa: ANN202
        return Excerpts

    def _repr_html_(self) -> str:
        parts = ['<table class="qualcode-excerpts"><thead><tr><th>document</th><th>case</th>'
                 '<th>code</th><th>passage</th></tr></thead><tbody>']
        for row in self.head(200).to_dict("records"):
            def get(name: str, row: dict = row) -> str:
                value = row.get(f"coding_{name}", row.get(name))
                return "" if value is None or value != value else str(value)

            passage = (f'<span style="color:#777">{html.escape(get("before"))}</span>'
                       f'<mark>{html.escape(get("text"))}</mark>'
                       f'<span style="color:#777">{html.escape(get("after"))}</span>')
            parts.append(f"<tr><td>{html.escape(get('document'))}</td>"
                         f"<td>{html.escape(get('case'))}</td>"
                         f"<td>{html.escape(get('code'))}</td>"
                         f'<td style="text-align:left">{passage}</td></tr>')
        parts.append("</tbody></table>")
        if len(self) > 200:
            parts.append(f"<p>{len(self) - 200} more rows</p>")
        return "".join(parts)
