"""The report's saturation section: the curve of new codes per interview and the verdict
(Guest, Namey & Chen 2020), overall and within each grouping attribute; and the
sentence the methods section writes from what it did."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qualcode.analysis.saturation import (
    BASE,
    ORDER,
    RANDOM_ORDERS,
    RANDOM_SEED,
    RUN,
    THRESHOLD,
)
from qualcode.report.figures import CurvePanel, saturation_curves
from qualcode.report.model import Cell, Figure, Section, Table, fmt_share

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.report.build import Context

CITATION = ("Guest, Namey & Chen (2020), \"A simple method to assess and report thematic "
            "saturation in qualitative research\", PLOS ONE 15(5): e0232076")


def saturation_section(ctx: Context) -> Section:
    """Overall and per single grouping attribute: a curve figure and a verdict table."""
    sec = Section("saturation", "Thematic saturation")
    if ctx.units.empty:
        sec.empty = "No respondents (no documents, or none match the filter)."
        return sec
    if ORDER not in ctx.units.columns:
        sec.empty = (f"No interview has a {ORDER!r} attribute to order the interviews by - "
                     "add it to the front matter, or run qualcode saturation --order ATTR.")
        return sec
    counted = ctx.codings[ctx.codings.status.isin(
        ["accepted", "suggested"] if ctx.options.include_suggestions else ["accepted"])]
    if counted.empty:
        sec.empty = ("No counted codings yet - code passages (qualcode code), or review the "
                     "suggestions.")
        return sec
    sec.p(f"Did the interviews reach thematic saturation? After {CITATION}: the interviews "
          f"in order of {ORDER} (ties by document id); the base is the unique codes of the "
          f"first {BASE} interviews; each run of {RUN} consecutive interviews after the base "
          f"(sliding by one) adds new information = codes first seen in the run / codes in "
          f"the base; saturation is reached at the end of the first run adding at most "
          f"{THRESHOLD:.0%}. An interview is a document (a focus group is one interview); "
          "every code counts as coded, sub-codes as codes of their own. Interviews without "
          f"a {ORDER} or without a counted coding are left out and counted. As a check, "
          f"{RANDOM_ORDERS:,} random orders of the same interviews (seed {RANDOM_SEED}).")
    singles = [by[0] for by in ctx.groupings if len(by) == 1]
    record = ctx.did("saturation", order=ORDER, base=BASE, run=RUN, threshold=THRESHOLD,
                     random_orders=RANDOM_ORDERS, seed=RANDOM_SEED, attributes=[],
                     excluded_missing=0, excluded_uncoded=0)
    for by in [None, *singles]:
        res = ctx.project.saturation(order=ORDER, base=BASE, run=RUN, threshold=THRESHOLD,
                                     by=by, where=ctx.options.where or None,
                                     random_orders=RANDOM_ORDERS, **ctx.options.analysis())
        if by is None:
            record["excluded_missing"] = int(res.verdict.excluded_missing.max())
            record["excluded_uncoded"] = int(res.verdict.excluded_uncoded.max())
        else:
            record["attributes"].append(by)
        title = f"By {by}" if by else "All interviews"
        sec.h3(title)
        verdict = res.verdict
        if by:
            order = ctx.order(by, [str(v) for v in verdict[by]])
            verdict = verdict.set_index(verdict[by].astype(str)).loc[order].reset_index(
                drop=True)
        for line in _verdict_sentences(verdict, by):
            sec.p(line)
        sec.add("table", _verdict_table(ctx, verdict, by))
        panels = _panels(res.curve, verdict, by)
        if any(p.new for p in panels):
            label = f"by {by}" if by else "all interviews"
            sec.add("figure", Figure(
                saturation_curves(panels, f"Saturation curve, {label}"),
                f"Saturation curve, {label}: new codes per interview in order of {ORDER}",
                f"New codes per interview in order of {ORDER} (base {BASE}, run {RUN}, "
                f"threshold ≤{THRESHOLD:.0%})."))
    return sec


def _command(ctx: Context, by: str | None) -> str:
    args = ["saturation", "--order", ORDER, "--base", str(BASE), "--run", str(RUN),
            "--threshold", str(THRESHOLD)] + (["--by", by] if by else [])
    return ctx.command(*args)


def _verdict_sentences(verdict: pd.DataFrame, by: str | None) -> list[str]:
    out = []
    for r in verdict.to_dict("records"):
        who = f"{by} {r[by]}" if by else "All interviews"
        if r["reached"]:
            start = int(r["before_run"]) + 1
            text = (f"{who}: saturation reached at interview {r['reached_at']} of "
                    f"{r['interviews']} ({r['reported']}): interviews {start}-"
                    f"{r['reached_at']} added {r['run_new']} new code(s), "
                    f"{fmt_share(r['run_share'])} of the {r['base_codes']} in the base.")
            if r["codes_after"]:
                text += f" {r['codes_after']} code(s) appeared later."
        else:
            text = f"{who}: saturation not reached - {r['reason']}."
        left = []
        if r["excluded_missing"]:
            left.append(f"{r['excluded_missing']} interview(s) without {ORDER}"
                        + (f" or {by}" if by else ""))
        if r["excluded_uncoded"]:
            left.append(f"{r['excluded_uncoded']} interview(s) with no counted coding")
        if left:
            text += f" Left out: {'; '.join(left)}."
        out.append(text)
    return out


def _verdict_table(ctx: Context, verdict: pd.DataFrame, by: str | None) -> Table:
    key = by or "All"
    table = Table(["group", "interviews", "codes in base", "codes in all", "saturation at",
                   "new in that run", "random orders saturated", "median in random orders",
                   "left out"], [],
                  caption=f"Saturation {'by ' + by if by else 'over all interviews'} "
                          f"(base {BASE}, run {RUN}, threshold ≤{THRESHOLD:.0%}, order "
                          f"{ORDER}, {RANDOM_ORDERS:,} random orders)",
                  command=_command(ctx, by), name=f"saturation-{key}")
    for r in verdict.to_dict("records"):
        group = str(r[by]) if by else "All"
        keys = {"t": "saturation", "by": key, "g": group}

        def num(field: str, text: str, value: object, keys: dict = keys) -> Cell:
            return Cell(text, value, {**keys, "f": field}, numeric=True)

        reached = r["reached"]
        cells = [Cell(group),
                 num("interviews", str(r["interviews"]), int(r["interviews"])),
                 num("base_codes", str(r["base_codes"]), int(r["base_codes"])),
                 num("total_codes", str(r["total_codes"]), int(r["total_codes"])),
                 num("reached_at", f"{r['reached_at']} ({r['reported']})" if reached
                     else "not reached", int(r["reached_at"]) if reached else None),
                 num("run_share", f"{r['run_new']} ({fmt_share(r['run_share'])})" if reached
                     else "", float(r["run_share"]) if reached else None),
                 num("random_reached", fmt_share(r["random_reached"]),
                     float(r["random_reached"])),
                 num("random_median_at", "" if r["random_median_at"] != r["random_median_at"]
                     else f"{r['random_median_at']:g}", float(r["random_median_at"])),
                 num("excluded", str(int(r["excluded_missing"]) + int(r["excluded_uncoded"])),
                     int(r["excluded_missing"]) + int(r["excluded_uncoded"]))]
        table.rows.append(cells)
    table.note = ("Saturation at: the interview ending the first run at or under the "
                  "threshold, with the paper's notation (interviews before the run + run "
                  "length). Random orders: the share of orders of the same interviews that "
                  "reach saturation at all, and the median interview where they do.")
    return table


def _panels(curve: pd.DataFrame, verdict: pd.DataFrame, by: str | None) -> list[CurvePanel]:
    panels = []
    for r in verdict.to_dict("records"):
        part = curve if by is None else curve[curve[by].astype(str) == str(r[by])]
        label = f"{by}: {r[by]}" if by else "All interviews"
        label += (f" - saturation at interview {r['reached_at']} ({r['reported']})"
                  if r["reached"] else " - saturation not reached")
        panels.append(CurvePanel(label, [int(v) for v in part.new_codes], int(r["base"]),
                                 int(r["before_run"]) + 1 if r["reached"] else None,
                                 int(r["reached_at"]) if r["reached"] else None))
    return panels


def methods_sentence(record: dict) -> str:
    """What the saturation section did, for the methods section."""
    groups = (f", overall and within each group of {', '.join(record['attributes'])}"
              if record["attributes"] else "")
    text = (f"Thematic saturation ({CITATION}){groups}: interviews (documents; a focus "
            f"group is one interview) in order of {record['order']}, ties by document id; "
            f"base {record['base']} interviews; runs of {record['run']} consecutive "
            "interviews after the base, sliding by one; new information = codes first seen "
            "in the run / unique codes in the base (the base does not move); saturation at "
            f"the end of the first run with new information ≤ {record['threshold']:.0%}. "
            "Each code counts as coded (sub-codes as codes of their own). Robustness: "
            f"{record['random_orders']:,} random orders of the same interviews (seed "
            f"{record['seed']}).")
    left = record["excluded_missing"], record["excluded_uncoded"]
    text += (f" Left out: {left[0]} interview(s) without {record['order']} and {left[1]} "
             "with no counted coding.")
    return text

