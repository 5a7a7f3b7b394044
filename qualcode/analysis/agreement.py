"""`qualcode agreement`: intercoder agreement at character, sentence, turn, segment and
document level, per code and overall, with the passages where coders differ.

Which codings count: a person's accepted codings; for the auto-coder (`auto`) every
suggestion it made, whatever its review status, so the rules are measured as they are.
Documents compared: those every human coder in the comparison has coded (a coder who
has not opened a transcript has not said "absent"); `documents=` overrides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qualcode.analysis import reliability as rel
from qualcode.analysis.units import code_list, expand_codes, with_ancestors
from qualcode.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from qualcode.codebook import Codebook

AUTO = "auto"

UNITS = ("char", "sentence", "turn", "segment", "document")
OVERALL = "(overall)"
COLUMNS = ["code", "document", "unit", "n_units", "percent_agreement", "kappa", "alpha"]


@dataclass
class AgreementResult:
    table: pd.DataFrame
    disagreements: pd.DataFrame
    # units x coders x codes yes/no (sentence, turn and document units)
    cube: np.ndarray | None = None
    codes: list[str] | None = None


def agreement(
    codings: pd.DataFrame,
    coders: list[str],
    unit: str = "sentence",
    spans: pd.DataFrame | None = None,
    texts: Mapping[str, str] | None = None,
    codes: list[str] | None = None,
    documents: list[str] | None = None,
    codebook: Codebook | None = None,
    rollup: bool = True,
    overlap: float = 90.0,
    denominator: str = "union",
) -> AgreementResult:
    """Agreement of `coders` per code (rows as in COLUMNS) and the disagreements.

    `codings`: one row per coding (document, case, start, end, code, coder, status,
    text); `spans`: the units (document, start, end) for unit=sentence or turn; `texts`:
    document -> text, for unit=char and document."""
    import pandas as pd

    coders = check_request(coders, unit, denominator)
    codings, docs, wanted = _codings(codings, coders, codes, documents, codebook, rollup)
    if unit == "char":
        table, dis = _char(_need(texts, unit), codings, coders, docs, wanted)
    elif unit == "segment":
        table, dis = _segment(codings, coders, wanted, overlap / 100, denominator)
    else:
        if unit == "document":
            text_of = _need(texts, unit)
            units = pd.DataFrame({"document": docs, "start": 0,
                                  "end": [len(text_of[d]) for d in docs]})
        else:
            units = _need(spans, unit)
            units = units[units.document.isin(docs)][["document", "start", "end"]]
        table, dis, cube = _nominal(codings, coders, wanted, units, unit)
        return AgreementResult(pd.DataFrame(table, columns=COLUMNS), dis, cube, wanted)
    return AgreementResult(pd.DataFrame(table, columns=COLUMNS), dis)


def check_request(coders: list[str], unit: str, denominator: str = "union") -> list[str]:
    """The coders, deduplicated, once the request makes sense (else a usage error)."""
    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} - use {', '.join(UNITS)}")
    coders = list(dict.fromkeys(coders))
    if len(coders) < 2:
        raise UsageError("agreement needs at least two coders, e.g. --coders ana,ben")
    if unit in ("char", "segment") and len(coders) != 2:
        raise UsageError(f"--unit {unit} compares exactly two coders")
    if denominator not in ("union", "segment"):
        raise UsageError("--denominator is union or segment")
    return coders


def _need(value, unit: str):  # noqa: ANN001, ANN202
    if value is None:
        raise UsageError(f"unit {unit} needs " + ("the texts" if unit in ("char", "document")
                                                  else "the spans of the units"))
    return value


def compared_documents(codings: pd.DataFrame, coders: list[str]) -> list[str]:
    """The documents every human coder among `coders` has coded (a coder who has not
    opened a transcript has not said "absent"); all coded documents when only the
    auto-coder is named."""
    per = [set(codings.document[codings.coder == c]) for c in coders if c != AUTO]
    return sorted(set.intersection(*per)) if per else sorted(set(codings.document))


def counted(codings: pd.DataFrame, coders: list[str] | None = None) -> pd.DataFrame:
    """The codings agreement counts, each under the coder whose judgement it is: a
    person's accepted codings, and the suggestions they accepted (`decided_by`); for the
    auto-coder every suggestion it made, whatever its review status. Respondent speech
    only."""
    if "status" not in codings.columns:  # codings from elsewhere: all of them count
        codings = codings.assign(status="accepted")
    if coders is None:
        coders = list(dict.fromkeys(codings.coder))
    accepted = codings.status == "accepted"
    auto = codings.coder == AUTO
    frames = []
    for coder in coders:
        if coder == AUTO:
            mine = auto
        else:
            mine = (codings.coder == coder) & accepted
            if "decided_by" in codings.columns:
                mine |= auto & accepted & (codings.decided_by == coder)
        frames.append(codings[mine].assign(coder=coder))
    out = pd_concat(frames) if frames else codings.iloc[:0]
    return out[out.case.notna()] if "case" in out.columns else out


def _codings(df: pd.DataFrame, coders: list[str], codes: list[str] | None,
             documents: list[str] | None, codebook: Codebook | None,
             rollup: bool):  # noqa: ANN202
    df = counted(df, coders)
    known = set(df.coder)
    missing = [c for c in coders if c not in known]
    if missing:
        raise UsageError(f"no codings by {', '.join(missing)}")
    docs = list(documents) if documents else compared_documents(df, coders)
    df = df[df.document.isin(docs)]
    if rollup:
        df = with_ancestors(df, codebook)
    wanted = (expand_codes(codebook, codes, rollup) if codes
              else code_list(codebook, df.code.unique()))
    df = df[df.code.isin(wanted)]
    return df.reset_index(drop=True), docs, wanted


def pd_concat(frames):  # noqa: ANN001, ANN201
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


def _nominal(codings: pd.DataFrame, coders: list[str], codes: list[str], spans: pd.DataFrame,
             unit: str):  # noqa: ANN202
    """Units x coders x codes yes/no matrix; kappa (2 coders: Cohen, more: Fleiss), alpha."""
    import pandas as pd

    spans = spans.sort_values(["document", "start"]).reset_index(drop=True)
    n_units = len(spans)
    cube = np.zeros((n_units, len(coders), len(codes)), dtype=bool)
    cidx = {c: i for i, c in enumerate(coders)}
    kidx = {c: i for i, c in enumerate(codes)}
    doc_of = spans.document.to_numpy()
    for doc, group in codings.groupby("document"):
        idx = np.flatnonzero(doc_of == doc)
        if idx.size == 0:
            continue
        starts, ends = spans.start.to_numpy()[idx], spans.end.to_numpy()[idx]
        for r in group.itertuples():
            lo = np.searchsorted(ends, r.start, side="right")
            hi = np.searchsorted(starts, r.end, side="left")
            cube[idx[lo:hi], cidx[r.coder], kidx[r.code]] = True
    rows = []
    for k, code in enumerate(codes):
        rows.append(_nominal_row(code, unit, cube[:, :, k]))
    flat = cube.transpose(0, 2, 1).reshape(-1, len(coders))
    rows.append(_nominal_row(OVERALL, unit, flat))
    # disagreements: units where coders differ on a code
    dis = []
    by_doc_code: dict[tuple, list[tuple]] = {}
    for r in codings[["document", "code", "start", "end", "coder", "text"]].itertuples(
            index=False):
        by_doc_code.setdefault((r.document, r.code), []).append(r)
    docs_, starts_, ends_ = (spans.document.to_numpy(), spans.start.to_numpy(),
                             spans.end.to_numpy())
    for u, k in zip(*np.nonzero(cube.any(axis=1) & ~cube.all(axis=1)), strict=True):
        doc, a, b = docs_[u], int(starts_[u]), int(ends_[u])
        theirs = [r for r in by_doc_code.get((doc, codes[k]), ()) if r.start < b and r.end > a]
        rec = {"document": doc, "start": a, "end": b, "code": codes[k]}
        for c in coders:
            rec[c] = " | ".join(r.text for r in theirs if r.coder == c)
        dis.append(rec)
    return rows, pd.DataFrame(dis, columns=["document", "start", "end", "code", *coders]), cube


def _nominal_row(code: str, unit: str, yes: np.ndarray) -> list:
    n = yes.shape[0]
    if n == 0:
        return [code, None, unit, 0, math.nan, math.nan, math.nan]
    agree = float(np.mean(yes.all(axis=1) | ~yes.any(axis=1)))
    if yes.shape[1] == 2:
        kappa, _ = rel.binary_kappa(yes[:, 0], yes[:, 1])
    else:
        kappa = rel.fleiss_kappa(yes.astype(int))
    alpha = rel.krippendorff_alpha(yes.T.astype(float))
    return [code, None, unit, n, agree, kappa, alpha]


def _char(texts: Mapping[str, str], codings: pd.DataFrame, coders: list[str],
          docs: list[str], codes: list[str]):  # noqa: ANN202
    """Every character of each document is a unit (as NVivo's coding comparison)."""
    import pandas as pd

    rows, dis = [], []
    every_a, every_b = [], []
    for code in codes:
        pooled_a, pooled_b = [], []
        sub = codings[codings.code == code]
        for doc in docs:
            n = len(texts[doc])
            marks = []
            for c in coders:
                v = np.zeros(n, dtype=bool)
                for r in sub[(sub.document == doc) & (sub.coder == c)].itertuples():
                    v[r.start:r.end] = True
                marks.append(v)
            a, b = marks
            pooled_a.append(a)
            pooled_b.append(b)
            kappa, agree = rel.binary_kappa(a, b)
            rows.append([code, doc, "char", n, agree, kappa, math.nan])
            diff = np.flatnonzero(np.diff(np.r_[0, (a != b).astype(int), 0]))
            for s, e in zip(diff[::2], diff[1::2], strict=True):
                dis.append({"document": doc, "start": int(s), "end": int(e), "code": code,
                            coders[0]: texts[doc][s:e] if a[s] else "",
                            coders[1]: texts[doc][s:e] if b[s] else ""})
        a, b = np.concatenate(pooled_a or [[]]), np.concatenate(pooled_b or [[]])
        every_a.append(a)
        every_b.append(b)
        kappa, agree = rel.binary_kappa(a, b)
        rows.append([code, None, "char", int(a.size), agree, kappa, math.nan])
    a, b = np.concatenate(every_a or [[]]), np.concatenate(every_b or [[]])
    kappa, agree = rel.binary_kappa(a, b)
    rows.append([OVERALL, None, "char", int(a.size), agree, kappa, math.nan])
    return rows, pd.DataFrame(dis, columns=["document", "start", "end", "code", *coders])


def _segment(codings: pd.DataFrame, coders: list[str], codes: list[str], threshold: float,
             denominator: str):  # noqa: ANN202
    """MAXQDA-style: a segment agrees when the other coder gave the same code to a segment
    overlapping it by at least `threshold` (of the union, or of the segment's own length).
    Kappa is Brennan-Prediger with k = the number of codes compared."""
    import pandas as pd

    rows, dis = [], []
    totals = [0, 0]
    k = len(codes)
    for code in codes:
        sub = codings[codings.code == code].drop_duplicates(["coder", "document", "start",
                                                             "end"])
        agree = total = 0
        for i, c in enumerate(coders):
            other = coders[1 - i]
            for r in sub[sub.coder == c].itertuples():
                cand = sub[(sub.coder == other) & (sub.document == r.document)]
                inter = np.clip(np.minimum(cand.end, r.end) - np.maximum(cand.start, r.start),
                                0, None)
                if denominator == "union":
                    denom = np.maximum(cand.end, r.end) - np.minimum(cand.start, r.start)
                else:
                    denom = np.full(len(cand), r.end - r.start)
                ok = bool(len(cand)) and bool(((inter / denom) >= threshold - 1e-12).any())
                agree += ok
                total += 1
                if not ok:
                    dis.append({"document": r.document, "start": r.start, "end": r.end,
                                "code": code, c: r.text, other: ""})
        totals[0] += agree
        totals[1] += total
        p = agree / total if total else math.nan
        rows.append([code, None, "segment", total, p, rel.brennan_prediger(p, k), math.nan])
    p = totals[0] / totals[1] if totals[1] else math.nan
    rows.append([OVERALL, None, "segment", totals[1], p, rel.brennan_prediger(p, k), math.nan])
    return rows, pd.DataFrame(dis, columns=["document", "start", "end", "code", *coders])


def rule_quality(codings: pd.DataFrame, coders: list[str], unit: str = "sentence",
                 spans: pd.DataFrame | None = None, texts: Mapping[str, str] | None = None,
                 codebook: Codebook | None = None, themes: bool = True,
                 documents: list[str] | None = None) -> pd.DataFrame:
    """How well the auto-coder's suggestions match each human coder, per code: precision,
    recall, F1 and Cohen's kappa over units of respondent speech (the human coder is the
    reference). With themes=True, top-level codes only, sub-codes counted in."""
    import pandas as pd

    codes = [c.id for c in codebook.codes] if themes and codebook is not None else None
    rows = []
    for coder in coders:
        res = agreement(codings, [coder, AUTO], unit=unit, spans=spans, texts=texts,
                        codes=codes, rollup=True, documents=documents, codebook=codebook)
        cube = res.cube
        for k, code in enumerate(res.codes):
            if codes is not None and code not in codes:
                continue
            human, auto = cube[:, 0, k], cube[:, 1, k]
            tp = int(np.count_nonzero(human & auto))
            fp = int(np.count_nonzero(~human & auto))
            fn = int(np.count_nonzero(human & ~auto))
            precision = tp / (tp + fp) if tp + fp else math.nan
            recall = tp / (tp + fn) if tp + fn else math.nan
            f1 = (2 * precision * recall / (precision + recall)
                  if tp and not math.isnan(precision + recall) else 0.0)
            kappa, _ = rel.binary_kappa(human, auto)
            rows.append({"coder": coder, "code": code, "units": int(cube.shape[0]),
                         "coder_units": int(human.sum()), "auto_units": int(auto.sum()),
                         "precision": precision, "recall": recall, "f1": f1, "kappa": kappa})
    return pd.DataFrame(rows)
