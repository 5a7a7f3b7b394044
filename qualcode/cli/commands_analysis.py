"""Analysis commands: summary, compare, cooccur, excerpts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.output import Format, FormatOpt, OutputOpt, console, emit, info
from qualcode.cli.state import project as get_project

Suggestions = Annotated[bool, typer.Option(
    "--include-suggestions", help="Count unreviewed auto-coding suggestions too.")]
Coders = Annotated[str | None, typer.Option(
    "--coders", help="Only codings by these coders (comma-separated; 'auto' is the "
                     "auto-coder).")]
Rollup = Annotated[bool, typer.Option(
    "--rollup/--no-rollup", help="Count a code's sub-codes as the code itself.")]
Where = Annotated[list[str] | None, typer.Option(
    "--where", help="Keep respondents matching ATTR=VALUE, ATTR!=VALUE or ATTR=A,B "
                    "(case- and accent-insensitive); repeatable.")]
Codes = Annotated[list[str] | None, typer.Option("--code", help="Only these codes.")]
Plot = Annotated[Path | None, typer.Option("--plot", help="Also draw a figure to FILE.png.")]


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def summary(
    ctx: typer.Context,
    by: Annotated[list[str] | None, typer.Option("--by", help="Group by this attribute; "
                                                              "repeatable.")] = None,
    unit: Annotated[str, typer.Option(help="respondent, document or segment.")] = "respondent",
    value: Annotated[str | None, typer.Option(
        help="share (default), count, or per1000 (segments per 1,000 respondent words).")]
    = None,
    include_suggestions: Suggestions = False,
    coders: Coders = None,
    rollup: Rollup = True,
    code: Codes = None,
    themes: Annotated[bool, typer.Option("--themes", help="Only top-level codes (themes), "
                                                          "their sub-codes counted in.")]
    = False,
    where: Where = None,
    plot: Plot = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Codes by attribute groups: the share of respondents (or documents) with each code.

    In Python: project.summary(by=[...])
    """
    if plot:
        from qualcode.analysis.plots import check_figure_path

        check_figure_path(plot)
    proj = get_project(ctx)
    by = by or []
    if themes:
        code = [c.id for c in proj.codebook.codes]
        rollup = True
    df = proj.summary(by=by, unit=unit, value=value, include_suggestions=include_suggestions,
                      coders=_split(coders), rollup=rollup, codes=code, where=where)
    if plot:
        from qualcode.analysis.plots import counting_note, save, summary_heatmap

        names = {c.id: ("– " * d) + c.name for c, _, d in proj.codebook.walk()}
        shown = value or ("count" if unit == "segment" else "share")
        title, note = counting_note(unit, shown, include_suggestions, _split(coders), rollup,
                                    where, what="theme" if themes else "code")
        save(summary_heatmap(df, by, names, title=title, note=note,
                             percent=shown == "share",
                             n_of="documents" if unit == "document" else "respondents"), plot)
        info(f"wrote {plot}")
    if fmt != Format.table or output is not None:
        emit(df, fmt, output)
        return
    _print_summary(proj, df, by, value or ("count" if unit == "segment" else "share"), unit)


def _print_summary(proj, df, by: list[str], value: str, unit: str) -> None:  # noqa: ANN001
    from rich.table import Table
    from rich.text import Text

    groups = df[by].astype(str).agg(" / ".join, axis=1) if by else df.assign(g="All").g
    data = df.assign(group=groups)
    ns = data.drop_duplicates("group").set_index("group")["n"]
    colors = {c.id: (c.color, d, c.name) for c, _, d in proj.codebook.walk()}
    what = {"respondent": "respondents", "document": "documents", "segment": "respondents"}
    table = Table(title=f"{value} by {' x '.join(by) or 'all'} (n = {what[unit]})")
    table.add_column("code")
    for g in ns.index:
        table.add_column(f"{g}\nn={ns[g]}", justify="right")
    for code, rows in data.groupby("code", sort=False):
        color, depth, name = colors.get(code, (None, 0, code))
        label = Text("  " * depth)
        label.append("■ ", style=color or "white")
        label.append(name, style="bold" if depth == 0 else "")
        cells = []
        for g in ns.index:
            r = rows[rows.group == g]
            v = r["value"].iloc[0] if len(r) else float("nan")
            if value == "share":
                cells.append(f"{v:.0%} ({int(r['count'].iloc[0])})" if v == v else "")
            else:
                cells.append(f"{v:.1f}" if value == "per1000" else f"{int(v)}")
        table.add_row(label, *cells)
    console().print(table)


def compare(
    ctx: typer.Context,
    attr: Annotated[str, typer.Argument(help="The attribute whose groups to compare.")],
    groups: Annotated[str | None, typer.Option(help="Only these groups, comma-separated "
                                                    "(first minus second).")] = None,
    by: Annotated[str | None, typer.Option(help="Compare within each level of this "
                                                "attribute.")] = None,
    include_suggestions: Suggestions = False,
    coders: Coders = None,
    rollup: Rollup = True,
    code: Codes = None,
    where: Where = None,
    include_missing: Annotated[bool, typer.Option(
        "--include-missing", help="Keep respondents without the attribute as a group "
                                  "'(missing)' (default: left out of the tests, counted in "
                                  "excluded_missing).")] = False,
    plot: Plot = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Do groups differ in raising each code? Tests, BH-adjusted p, effect sizes.

    Two groups: Fisher's exact test, risk difference (Newcombe CI), odds ratio (exact CI).
    More: chi-square, or a permutation test when expected counts are small; a trend test
    when the attribute's order is declared in qualcode.toml [order].
    In Python: project.compare(attr)
    """
    if plot:
        from qualcode.analysis.plots import check_figure_path

        check_figure_path(plot)
    proj = get_project(ctx)
    df = proj.compare(attr, groups=_split(groups), by=by,
                      include_suggestions=include_suggestions, coders=_split(coders),
                      rollup=rollup, codes=code, where=where, include_missing=include_missing)
    levels = [c[2:] for c in df.columns if c.startswith("n_")]
    if len(df) and df.excluded_missing.max() > 0:
        info(f"warning: {int(df.excluded_missing.max())} respondent(s) without {attr} left "
             "out of the tests (--include-missing keeps them as a group)")
    if plot:
        if len(levels) != 2:
            from qualcode.errors import UsageError

            raise UsageError("--plot draws risk differences: give exactly two groups")
        from qualcode.analysis.plots import compare_forest, counting_note, save

        names = {c.id: c.name for c, _, _ in proj.codebook.walk()}
        measure, note = counting_note("respondent", "share", include_suggestions,
                                      _split(coders), rollup, where)
        title = (f"{attr}: {levels[0]} vs {levels[1]}" + (f", within each {by}" if by else "")
                 + f"\ndifference in the {measure[0].lower()}{measure[1:]}")
        save(compare_forest(df, levels, names, title=title, by=by, note=note), plot)
        info(f"wrote {plot}")
    if fmt != Format.table or output is not None:
        emit(df, fmt, output)
        return
    show = df.copy()
    for g in levels:
        show[g] = [f"{c}/{n}" for c, n in zip(show[f"count_{g}"], show[f"n_{g}"],
                                              strict=True)]
    cols = ["code", *([by] if by else []), *levels, "test", "p_value", "p_adjusted"]
    if len(levels) == 2:
        show["RD [95% CI]"] = [f"{d:+.2f} [{lo:+.2f}, {hi:+.2f}]" for d, lo, hi in
                               zip(show.risk_difference, show.ci_low, show.ci_high,
                                   strict=True)]
        cols += ["RD [95% CI]", "odds_ratio"]
    if "trend_p" in show:
        cols += ["trend_z", "trend_p"]
    cols += ["cramers_v", "warning"]
    emit(show[cols], fmt, None, title=f"{attr}: {' vs '.join(levels)}",
         caption="counts are respondents with the code / respondents in the group")


def cooccur(
    ctx: typer.Context,
    unit: Annotated[str, typer.Option(help="turn, sentence or overlap.")] = "turn",
    include_suggestions: Suggestions = False,
    coders: Coders = None,
    rollup: Rollup = True,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Which codes occur together: counts and Jaccard for every pair of codes.

    In Python: project.cooccur(unit="turn")
    """
    df = get_project(ctx).cooccur(unit=unit, include_suggestions=include_suggestions,
                                  coders=_split(coders), rollup=rollup)
    emit(df, fmt, output, title=f"Co-occurrence by {unit}")


def excerpts(
    ctx: typer.Context,
    code: Annotated[str, typer.Option("--code", help="The code whose passages to show.")],
    where: Where = None,
    context: Annotated[int, typer.Option(help="Characters of context on each side.")] = 0,
    include_suggestions: Suggestions = False,
    coders: Coders = None,
    rollup: Rollup = True,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Coded passages with speaker, case attributes and the span highlighted.

    In Python: project.excerpts("code", where=["origin=Western"])
    """
    proj = get_project(ctx)
    df = proj.excerpts(code, where=where, context=context,
                       include_suggestions=include_suggestions, coders=_split(coders),
                       rollup=rollup)
    if fmt != Format.table or output is not None:
        emit(df, fmt, output)
        return
    from rich.table import Table
    from rich.text import Text

    colors = {c.id: c.color for c, _, _ in proj.codebook.walk()}
    table = Table(title=f"{len(df)} excerpt(s) of {code}", show_lines=True)
    for col in ("document", "speaker", "code", "coder", "passage"):
        table.add_column(col, ratio=4 if col == "passage" else None)
    for row in df.to_dict("records"):
        text, code = row.get("coding_text", row.get("text")), row.get("coding_code",
                                                                        row.get("code"))
        coder = row.get("coding_coder", row.get("coder"))
        passage = Text(str(row["before"] or ""), style="dim")
        passage.append(str(text), style=f"bold {colors.get(code) or 'yellow'}")
        passage.append(str(row["after"] or ""), style="dim")
        table.add_row(str(row["document"]), str(row["speaker"]), str(code), str(coder),
                      passage)
    console().print(table)


def agreement(
    ctx: typer.Context,
    coders: Annotated[str, typer.Option("--coders", help="Two or more coders, comma-separated "
                                                         "('auto' is the auto-coder).")],
    unit: Annotated[str, typer.Option(help="char, sentence, turn, segment or document.")]
    = "sentence",
    code: Codes = None,
    documents: Annotated[str | None, typer.Option(
        help="Only these documents (default: those every human coder coded).")] = None,
    rollup: Rollup = True,
    overlap: Annotated[float, typer.Option(help="segment: minimum overlap in percent.")] = 90,
    denominator: Annotated[str, typer.Option(
        help="segment: overlap measured against the 'union' of both segments or the "
             "'segment' itself.")] = "union",
    disagreements: Annotated[bool, typer.Option(
        "--disagreements", help="List the passages where the coders differ.")] = False,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Intercoder agreement per code and overall: percent agreement, kappa, alpha.

    char: every character (as NVivo), Cohen's kappa per document and pooled.
    sentence / turn / document: yes/no per unit; Cohen's kappa (Fleiss' for 3+ coders)
    and Krippendorff's alpha. segment: MAXQDA-style overlap, Brennan-Prediger kappa.
    In Python: project.agreement(["ana", "ben"], unit="sentence")
    """
    proj = get_project(ctx)
    res = proj.agreement_run(_split(coders) or [], unit=unit, codes=code,
                             documents=_split(documents), rollup=rollup, overlap=overlap,
                             denominator=denominator)
    if disagreements:
        emit(res.disagreements, fmt, output, title="Where the coders differ")
        return
    emit(res.table, fmt, output, title=f"Agreement of {coders} by {unit}")


def register(app: typer.Typer) -> None:
    app.command("agreement")(agreement)
    app.command("summary")(summary)
    app.command("compare")(compare)
    app.command("cooccur")(cooccur)
    app.command("excerpts")(excerpts)
