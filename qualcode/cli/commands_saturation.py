"""`qualcode saturation`: did we interview enough people? (Guest, Namey & Chen 2020)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from qualcode.cli.commands_analysis import Coders, Plot, Suggestions, Where, _split
from qualcode.cli.output import Format, FormatOpt, OutputOpt, emit, info
from qualcode.cli.state import project as get_project

if TYPE_CHECKING:
    import pandas as pd


VERDICT_SHOWN = ["interviews", "base_codes", "total_codes", "reached", "reached_at",
                 "reported", "run_share", "random_reached", "random_median_at",
                 "excluded_missing", "excluded_uncoded", "reason"]


class Show(StrEnum):
    curve = "curve"
    verdict = "verdict"
    random = "random"


def saturation(
    ctx: typer.Context,
    order: Annotated[str, typer.Option(
        help="The attribute that orders the interviews (ties: by document id).")] = "date",
    sequence: Annotated[str | None, typer.Option(
        help="Or the interview order itself: document ids, comma-separated (documents "
             "not listed are left out, with a count).")] = None,
    base: Annotated[int, typer.Option(
        help="Base size: the first interviews whose unique codes are the base.")] = 4,
    run: Annotated[int, typer.Option(
        help="Run length: consecutive interviews whose new codes are measured.")] = 2,
    threshold: Annotated[float, typer.Option(
        help="New-information threshold, a share: saturation when a run adds at most "
             "this share of the base's codes (0.05 = 5%; 0 = no new code).")] = 0.05,
    by: Annotated[str | None, typer.Option(
        help="Assess saturation within each group of this attribute.")] = None,
    include_suggestions: Suggestions = False,
    coders: Coders = None,
    themes: Annotated[bool, typer.Option(
        "--themes", help="Count top-level codes (themes) only, sub-codes as their theme "
                         "(default: every code as coded).")] = False,
    where: Where = None,
    random: Annotated[int, typer.Option(
        "--random", help="Random orders drawn (fixed seed) for the robustness check; 0 "
                         "skips it.")] = 1000,
    show: Annotated[Show | None, typer.Option(
        help="The table to print: curve, verdict or random (default: all three as "
             "tables, the curve in other formats).", case_sensitive=False)] = None,
    plot: Plot = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Thematic saturation (Guest, Namey & Chen 2020): new codes per interview in order
    and the interview at which a run adds no more than the threshold of new information.

    An interview is a document (a focus group is one interview, all its speakers'
    codes counted). Interviews without a value of --order, or without any counted
    coding, are left out with a count and a warning.
    In Python: project.saturation(order="date", base=4, run=2, threshold=0.05)
    """
    from qualcode.analysis.saturation import check_parameters

    check_parameters(base, run, threshold)
    if random < 0:
        from qualcode.errors import UsageError

        raise UsageError(f"--random must be 0 or more (got {random})")
    if plot:
        from qualcode.analysis.plots import check_figure_path

        check_figure_path(plot)
    proj = get_project(ctx)
    res = proj.saturation(order=_split(sequence) if sequence else order, base=base, run=run,
                          threshold=threshold, by=by, include_suggestions=include_suggestions,
                          coders=_split(coders), themes=themes, where=where,
                          random_orders=random)
    for line in verdict_lines(res.verdict, by):
        info(line)
    if plot:
        from qualcode.analysis.plots import counting_note, saturation_curve, save

        _title, note = counting_note("document", "count", include_suggestions,
                                     _split(coders), themes, where,
                                     what="theme" if themes else "code")
        note = note.replace("sub-codes counted in their code", "sub-codes counted in their "
                            "theme").replace("exact codes (no roll-up)", "every code as coded")
        title = (f"New codes per interview (order: {'given list' if sequence else order}); "
                 f"base {base}, run {run}, threshold ≤{threshold:.0%}")
        save(saturation_curve(res.curve, res.verdict, by, title=title, note=note), plot)
        info(f"wrote {plot}")
    tables = {"curve": res.curve, "verdict": res.verdict, "random": res.random}
    if show is None and fmt == Format.table and output is None:
        emit(res.curve, fmt, None, title="New codes per interview")
        cols = [c for c in res.verdict.columns if c in ([by] if by else []) + VERDICT_SHOWN]
        emit(res.verdict[cols], fmt, None, title="Saturation (-f csv --show verdict: every "
                                                 "column)")
        if random:
            emit(_random_summary(res.random, by), fmt, None,
                 title=f"Share of {random:,} random orders saturated by interview k")
        return
    emit(tables[(show or Show.curve).value], fmt, output)


def verdict_lines(verdict: pd.DataFrame, by: str | None) -> list[str]:
    """One line per group: reached where (and by which run), or not and why; warnings."""
    lines = []
    for r in verdict.to_dict("records"):
        who = f"among {r[by]} ({by})" if by else "overall"
        params = (f"base {r['base']}, run {r['run']}, threshold ≤{r['threshold']:.0%}, "
                  f"order {r['order']}")
        if r["reached"]:
            start = int(r["before_run"]) + 1
            lines.append(f"saturation {who}: reached at interview {r['reached_at']} "
                         f"({r['reported']}) of {r['interviews']}: interviews "
                         f"{start}-{r['reached_at']} added {r['run_new']} new code(s), "
                         f"{r['run_share']:.0%} of the {r['base_codes']} in the base "
                         f"({params})")
        else:
            lines.append(f"saturation {who}: not reached - {r['reason']} ({params})")
        if r["warning"]:
            lines.append(f"warning: {who}: {r['warning']}")
    return lines


def _random_summary(random: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """k x group: the share of random orders saturated by interview k (wide, to read)."""
    if random.empty:
        return random
    if not by:
        return random[["k", "share"]]
    wide = random.pivot_table(index="k", columns=by, values="share", sort=True)
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def register(app: typer.Typer) -> None:
    app.command("saturation")(saturation)
