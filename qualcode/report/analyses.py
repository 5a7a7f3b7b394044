"""The analytic sections, each the output of one Project method (and one CLI command):
themes by group (summary), comparisons (compare), excerpts, co-occurrence, agreement and
rule quality."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qualcode.report.figures import BLUES, Interval, Row, forest, heatmap
from qualcode.report.model import (
    Cell,
    DataUri,
    Excerpt,
    ExcerptGroup,
    Figure,
    Section,
    Table,
    fmt_num,
    fmt_p,
    fmt_share,
)

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.report.build import Context

ALL = "All"
EXCERPTS_PER_GROUP = 3
EXCERPT_CHARS = 480
TOP_PAIRS = 10
SIGNIFICANT = 0.05  # adjusted p below this is marked
COOCCUR_UNIT = "turn"
AGREEMENT_UNIT = "sentence"


def _code_cell(ctx: Context, code: str) -> Cell:
    c, depth = ctx.book.get(code, (None, 0))
    return Cell(c.name if c else code, keys={"code": code}, swatch=(c.color if c else None),
                depth=depth, strong=depth == 0)


def _group_label(row: pd.Series, by: list[str]) -> str:
    return " / ".join(str(row[a]) for a in by)


def _no_codings(ctx: Context) -> str:
    if ctx.codings.empty:
        return "No codings yet - code passages (qualcode code) or run qualcode autocode and " \
               "review the suggestions."
    return ""


def themes_section(ctx: Context) -> Section:
    """Per grouping: the share of respondents with each code, as a table and a heatmap."""
    sec = Section("themes", "Themes by group")
    if ctx.units.empty:
        sec.empty = "No respondents (no documents, or none match the filter)."
        return sec
    if not ctx.groupings:
        sec.p("No attribute has between 2 and 8 groups; the shares are over all respondents.")
    sec.p("Cells: the share of respondents with at least one counted coding of the code "
          "(respondents with the code in brackets); n: respondents in the group.")
    ctx.did("themes", groupings=ctx.groupings)
    for by in ctx.groupings or [[]]:
        df = ctx.project.summary(by=by, where=ctx.options.where or None, **ctx.options.analysis())
        df = ctx.pseudo.frame(df)
        key = ",".join(by) or ALL
        labels = df.apply(_group_label, axis=1, by=by) if by else df.assign(g=ALL).g
        df = df.assign(group=labels.astype(str))
        groups = [g for g in dict.fromkeys(df.group) if g != ALL]
        if len(by) == 1:
            groups = ctx.order(by[0], groups)
        groups += [ALL] if ALL in set(df.group) else []
        ns = df.drop_duplicates("group").set_index("group")["n"]
        title = " x ".join(by) or "all respondents"
        table = Table(["code", *[f"{g} (n={int(ns[g])})" for g in groups]], [],
                      caption=f"Share of respondents by {title}",
                      command=ctx.command("summary", *[a for b in by for a in ("--by", b)]),
                      name=f"summary-{key}")
        for code, rows in df.groupby("code", sort=False):
            cells = [_code_cell(ctx, code)]
            by_group = rows.set_index("group")
            for g in groups:
                if g not in by_group.index:
                    cells.append(Cell(""))
                    continue
                r = by_group.loc[g]
                cells.append(Cell(f"{fmt_share(r['value'])} ({int(r['count'])})",
                                  float(r["value"]),
                                  {"t": "summary", "by": key, "code": code, "g": g,
                                   "n": str(int(r["n"])), "count": str(int(r["count"]))},
                                  numeric=True))
            table.rows.append(cells)
        sec.h3(f"By {title}")
        sec.add("table", table)
        if table.rows:
            sec.add("figure", Figure(_table_heatmap(ctx, table, groups, ns, title),
                                     f"Heatmap: share of respondents with each code by {title}",
                                     f"Share of respondents with each code by {title}."))
    return sec


def _table_heatmap(ctx: Context, table: Table, groups: list[str], ns: pd.Series,
                   title: str) -> DataUri:
    """The summary table drawn as a heatmap (the same cells, coloured by share)."""
    rows = [Row(ctx.pseudo.text(r[0].text), r[0].depth, r[0].strong) for r in table.rows]
    values = [[c.value if c.text else None for c in r[1:]] for r in table.rows]
    labels = [[fmt_share(c.value) if c.text else "" for c in r[1:]] for r in table.rows]
    cols = [ctx.pseudo.text(f"{g}\nn={int(ns[g])}") for g in groups]
    return heatmap(rows, cols, values, labels, f"Share of respondents by {title}", vmax=1.0)


def _levels(ctx: Context, attr: str) -> tuple[list[str], list[str]]:
    """The groups to compare and those left out (values outside a declared order).
    Respondents without a value are no group unless --include-missing (as in compare)."""
    from qualcode.analysis.units import MISSING

    values = set(ctx.units[attr].astype(str))
    missing = MISSING in values and ctx.options.include_missing
    present = ctx.order(attr, sorted(values - {MISSING})) + ([MISSING] if missing else [])
    declared = ctx.project.settings.order.get(attr)
    if not declared:
        return present, []
    inside = [v for v in present if v in declared or v == MISSING]
    if len([v for v in inside if v != MISSING]) < 2:
        return present, []
    return inside, [v for v in present if v not in inside]


def compare_section(ctx: Context) -> Section:
    """Per attribute: tests, BH-adjusted p, risk differences (two groups) with a forest plot,
    the trend test for ordered attributes."""
    sec = Section("compare", "Group comparisons")
    singles = [by[0] for by in ctx.groupings if len(by) == 1]
    crossed = [" x ".join(by) for by in ctx.groupings if len(by) > 1]
    if not singles:
        sec.empty = "No single attribute to compare (give --by ATTR)."
        return sec
    if crossed:
        sec.p(f"Crossed groupings ({'; '.join(crossed)}) are not compared here: compare "
              "within the levels of one attribute with qualcode compare ATTR --by ATTR2.")
    if ctx.units.empty:
        sec.empty = "No respondents (no documents, or none match the filter)."
        return sec
    for attr in singles:
        levels, left_out = _levels(ctx, attr)
        sec.h3(f"By {attr}")
        if len(levels) < 2:
            sec.p(f"Only one group of {attr} ({', '.join(levels) or 'none'}): nothing to "
                  "compare.")
            continue
        groups = levels if left_out else None
        df = ctx.project.compare(attr, groups=groups, where=ctx.options.where or None,
                                 include_missing=ctx.options.include_missing,
                                 **ctx.options.analysis())
        ctx.methods.setdefault("compare", {}).setdefault("attributes", []).append({
            "attr": attr, "levels": len(levels), "tests": set(df["test"].dropna()),
            "trend": "trend_p" in df.columns, "left_out": left_out,
            "excluded_missing": int(df["excluded_missing"].max()) if len(df) else 0})
        df = ctx.pseudo.frame(df)
        args = ["compare", attr] + (["--groups", ",".join(levels)] if groups else [])
        args += ["--include-missing"] if ctx.options.include_missing else []
        if left_out:
            sec.p(f"Left out (not in the declared order of {attr}): {', '.join(left_out)}.")
        sec.add("table", _compare_table(ctx, attr, levels, df, ctx.command(*args)))
        if len(levels) == 2 and df["risk_difference"].notna().any():
            names = {c.id: c.name for c, _, _ in ctx.project.codebook.walk()}
            depth = {c.id: d for c, _, d in ctx.project.codebook.walk()}
            items = [Interval(ctx.pseudo.text(names.get(r["code"], r["code"])),
                              float(r["risk_difference"]), float(r["ci_low"]),
                              float(r["ci_high"]), bool(r["p_adjusted"] < SIGNIFICANT),
                              depth.get(r["code"], 0))
                     for r in df.to_dict("records")]
            axis = ctx.pseudo.text(f"share with the code: {levels[0]} minus {levels[1]}")
            uri = forest(items, axis, f"Risk differences by {attr}")
            sec.add("figure", Figure(uri, f"Forest plot: risk differences by {attr}",
                                     f"Risk difference ({levels[0]} minus {levels[1]}) with "
                                     "95% Newcombe intervals; orange: BH-adjusted p < .05."))
    return sec


def _compare_table(ctx: Context, attr: str, levels: list[str], df: pd.DataFrame,
                   command: str) -> Table:
    two = len(levels) == 2
    trend = "trend_p" in df.columns
    cols = ["code", *levels, "test", "p", "p adj."]
    cols += ["risk difference [95% CI]"] if two else []
    cols += ["trend z", "trend p"] if trend else []
    cols += ["Cramér's V", "note"]
    table = Table(cols, [], caption=f"{attr}: {' vs '.join(levels)} (respondents with the code"
                                    " / respondents in the group)",
                  command=command, name=f"compare-{attr}")
    for r in df.to_dict("records"):
        keys = {"t": "compare", "attr": attr, "code": r["code"]}

        def num(field: str, text: str, r: dict = r, keys: dict = keys) -> Cell:
            value = r.get(field)
            return Cell(text, None if value is None else float(value), {**keys, "f": field},
                        numeric=True)

        cells = [_code_cell(ctx, r["code"])]
        for g in levels:
            cells.append(Cell(f"{r[f'count_{g}']}/{r[f'n_{g}']}", int(r[f"count_{g}"]),
                              {**keys, "f": f"count_{g}", "n": str(int(r[f"n_{g}"]))},
                              numeric=True))
        cells.append(Cell(str(r["test"])))
        cells.append(num("p_value", fmt_p(r["p_value"])))
        adj = num("p_adjusted", fmt_p(r["p_adjusted"]))
        adj.strong = bool(r["p_adjusted"] == r["p_adjusted"] and r["p_adjusted"] < SIGNIFICANT)
        cells.append(adj)
        if two:
            rd = num("risk_difference", f"{fmt_num(r['risk_difference'], signed=True)} "
                                        f"[{fmt_num(r['ci_low'], signed=True)}, "
                                        f"{fmt_num(r['ci_high'], signed=True)}]")
            rd.keys.update(lo=Cell("", r["ci_low"]).v, hi=Cell("", r["ci_high"]).v)
            cells.append(rd)
        if trend:
            cells.append(num("trend_z", fmt_num(r["trend_z"], signed=True)))
            cells.append(num("trend_p", fmt_p(r["trend_p"])))
        cells.append(num("cramers_v", fmt_num(r["cramers_v"])))
        cells.append(Cell(str(r.get("warning") or "")))
        table.rows.append(cells)
    _common_notes(table)
    return table


def _common_notes(table: Table) -> None:
    """Warnings become lettered notes under the table, each written once."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    found: dict[str, str] = {}
    for row in table.rows:
        mine = [w.strip() for w in row[-1].text.split(";") if w.strip()]
        for w in mine:
            found.setdefault(w, letters[len(found) % len(letters)])
        row[-1].text = " ".join(found[w] for w in mine)
    if found:
        table.note = "Notes: " + "; ".join(f"{k}: {w}" for w, k in found.items()) + "."


def _pick(rows: pd.DataFrame, k: int) -> pd.DataFrame:
    """Up to k excerpts from different respondents, longest passage of each first."""
    rows = rows.assign(_len=rows.text.astype(str).str.len())
    rows = rows.sort_values(["_len", "document", "start"], ascending=[False, True, True],
                            kind="stable")
    return rows.drop_duplicates(["document", "case"]).head(k).sort_values(
        ["document", "start"], kind="stable")


def clock(seconds: float) -> str:
    """Seconds as m:ss or h:mm:ss (as the player shows them)."""
    s = int(seconds)
    h, m, sec = s // 3600, (s % 3600) // 60, s % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def excerpt_time(r: dict) -> str:
    """An excerpt's place in the recording ("" when its transcript has no times); "≈"
    marks a time placed by characters inside a turn."""
    import pandas as pd

    def known(v: object) -> bool:
        return v is not None and not pd.isna(v)

    t0, t1 = r.get("start_time"), r.get("end_time")
    if not known(t0):
        return ""
    span = clock(float(t0)) + (f"–{clock(float(t1))}" if known(t1) else "")
    approx = r.get("approximate")
    return f"≈ {span}" if known(approx) and bool(approx) else span


def excerpts_section(ctx: Context) -> Section:
    """For each theme, a few passages per group of the first grouping attribute(s)."""
    from qualcode.export import pseudonymize_frame

    sec = Section("excerpts", "Excerpts")
    if not ctx.themes:
        sec.empty = "The codebook has no themes."
        return sec
    if reason := _no_codings(ctx):
        sec.empty = reason
        return sec
    by = ctx.groupings[0] if ctx.groupings else []
    ctx.did("excerpts", by=by, per_group=EXCERPTS_PER_GROUP)
    shown_attrs = list(dict.fromkeys(a for g in ctx.groupings for a in g))
    sec.p(f"Up to {EXCERPTS_PER_GROUP} passages per theme and group"
          f"{' of ' + ' x '.join(by) if by else ''}, each from a different respondent "
          "(the longest of each), with sub-codes counted in.")
    book = {c.id: c for c, _, _ in ctx.project.codebook.walk()}
    for theme in ctx.themes:
        df = ctx.project.excerpts(theme, where=ctx.options.where or None,
                                  **ctx.options.analysis())
        sec.h3(book[theme].name)
        if ctx.pseudo.active:
            df = ctx.pseudo.frame(pseudonymize_frame(ctx.project.workspace, df))
        if df.empty:
            sec.add("excerpts", [ExcerptGroup("", [], "No counted coding of this theme.")])
            continue
        groups = []
        keyed = df.assign(_g=df.apply(_group_label, axis=1, by=by).astype(str)) if by \
            else df.assign(_g=ALL)
        labels = list(dict.fromkeys(keyed._g))
        if len(by) == 1:
            labels = ctx.order(by[0], labels)
        for label in labels:
            part = _pick(keyed[keyed._g == label], EXCERPTS_PER_GROUP)
            items = []
            for r in part.to_dict("records"):
                code = str(r.get("coding_code", r.get("code")))
                text = str(r["text"])
                if len(text) > EXCERPT_CHARS:
                    text = text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
                attrs = ", ".join(f"{a}: {r[a]}" for a in shown_attrs if a in r)
                items.append(Excerpt(text, str(r.get("speaker") or ""), str(r["document"]),
                                     attrs, book[code].name if code in book else code,
                                     (book[code].color if code in book else None) or "#999",
                                     str(r.get("coder") or ""), excerpt_time(r)))
            title = f"{' x '.join(by)}: {label}" if by else ""
            groups.append(ExcerptGroup(title, items))
        sec.add("excerpts", groups)
    return sec


def cooccur_section(ctx: Context) -> Section:
    """Which codes occur in the same respondent turns: heatmap and the strongest pairs."""
    sec = Section("cooccur", "Co-occurrence")
    if reason := _no_codings(ctx):
        sec.empty = reason
        return sec
    df = ctx.project.cooccur(unit=COOCCUR_UNIT, **ctx.options.analysis())
    ctx.did("cooccur", unit=COOCCUR_UNIT)
    codes = [c.id for c, _, _ in ctx.project.codebook.walk()]
    if df.empty or not codes:
        sec.empty = "No counted codings in respondent turns."
        return sec
    sec.p("Turns of respondent speech with both codes (numbers) and Jaccard (colour: turns "
          "with both / turns with either)." + (" The filter does not apply here."
                                               if ctx.options.where else ""))
    sec.add("figure", Figure(_cooccur_heatmap(ctx, df, codes),
                             "Heatmap: co-occurrence of codes in respondent turns",
                             "Co-occurrence by turn: columns are numbered as the rows."))
    rank = {c: i for i, c in enumerate(codes)}
    once = df.code_a.map(lambda c: rank.get(c, -1)) < df.code_b.map(lambda c: rank.get(c, -1))
    pairs = df[once & (df.both > 0)]
    pairs = pairs.sort_values(["jaccard", "both"], ascending=False, kind="stable")
    table = Table(["code", "with code", "turns with both", "turns with either", "Jaccard"], [],
                  caption=f"The {min(TOP_PAIRS, len(pairs))} pairs with the highest Jaccard",
                  command=ctx.command("cooccur", "--unit", COOCCUR_UNIT, where=False),
                  name="cooccur")
    for r in pairs.head(TOP_PAIRS).to_dict("records"):
        keys = {"t": "cooccur", "a": r["code_a"], "b": r["code_b"]}
        table.rows.append([_code_cell(ctx, r["code_a"]), _code_cell(ctx, r["code_b"]),
                           Cell(str(r["both"]), int(r["both"]), {**keys, "f": "both"},
                                numeric=True),
                           Cell(str(r["either"]), int(r["either"]), {**keys, "f": "either"},
                                numeric=True),
                           Cell(fmt_num(r["jaccard"]), float(r["jaccard"]),
                                {**keys, "f": "jaccard"}, numeric=True)])
    if table.rows:
        sec.add("table", table)
    else:
        sec.p("No two different codes share a turn.")
    return sec


def _cooccur_heatmap(ctx: Context, df: pd.DataFrame, codes: list[str]) -> DataUri:
    """Codes x codes: turns with both (labels), coloured by Jaccard."""
    pairs = {(a, b): (int(n), float(j)) for a, b, n, j in
             zip(df.code_a, df.code_b, df.both, df.jaccard, strict=True)}
    depth = {c.id: d for c, _, d in ctx.project.codebook.walk()}
    names = {c.id: c.name for c, _, _ in ctx.project.codebook.walk()}
    rows = [Row(ctx.pseudo.text(f"{i}. {names[c]}"), depth[c], depth[c] == 0)
            for i, c in enumerate(codes, start=1)]
    cols = [str(i) for i in range(1, len(codes) + 1)]
    values = [[pairs.get((a, b), (0, 0.0))[1] for b in codes] for a in codes]
    labels = [[str(pairs.get((a, b), (0, 0.0))[0]) for b in codes] for a in codes]
    return heatmap(rows, cols, values, labels, "Co-occurrence of codes by turn", vmax=1.0,
                   ramp=BLUES)


def agreement_section(ctx: Context) -> Section:
    """Agreement of the human coders per code, with the number of disagreements."""
    sec = Section("agreement", "Coder agreement")
    humans = ctx.human_coders
    if len(humans) < 2:
        sec.empty = (f"No second coder: only {humans[0]} coded by hand, so agreement cannot be "
                     "measured." if humans else "No human coder has accepted codings yet.")
        return sec
    res = ctx.project.agreement_run(humans, unit=AGREEMENT_UNIT)
    ctx.did("agreement", coders=humans, unit=AGREEMENT_UNIT)
    table_df, dis = res.table, res.disagreements
    count = dis.groupby("code").size() if not dis.empty else {}
    sec.p(f"{' and '.join([', '.join(humans[:-1]), humans[-1]])} by {AGREEMENT_UNIT} of respondent "
          f"speech: {len(dis)} disagreement(s) in all. A code almost always absent can show "
          "high percent agreement with kappa near 0: read both.")
    table = Table(["code", "sentences", "% agreement", "kappa", "alpha", "disagreements"], [],
                  caption="Agreement per code",
                  command=ctx.command("agreement", "--coders", ",".join(humans), "--unit",
                                      AGREEMENT_UNIT, where=False, suggestions=False, coders=False),
                  name="agreement")
    for r in table_df.to_dict("records"):
        code = r["code"]
        keys = {"t": "agreement", "code": code}
        n_dis = len(dis) if code == "(overall)" else int(count.get(code, 0))
        first = (Cell("overall", keys=keys, strong=True) if code == "(overall)"
                 else _code_cell(ctx, code))
        table.rows.append([
            first,
            Cell(str(r["n_units"]), int(r["n_units"]), {**keys, "f": "n_units"}, numeric=True),
            Cell(fmt_share(r["percent_agreement"]), _f(r["percent_agreement"]),
                 {**keys, "f": "percent_agreement"}, numeric=True),
            Cell(fmt_num(_f(r["kappa"])), _f(r["kappa"]), {**keys, "f": "kappa"}, numeric=True),
            Cell(fmt_num(_f(r["alpha"])), _f(r["alpha"]), {**keys, "f": "alpha"}, numeric=True),
            Cell(str(n_dis), n_dis, {**keys, "f": "disagreements"}, numeric=True)])
    sec.add("table", table)
    return sec


def _f(value: object) -> float | None:
    return None if value is None else float(value)


def quality_section(ctx: Context) -> Section:
    """How well the codebook's rules match each human coder, per theme."""
    sec = Section("quality", "Rule and model quality")
    humans = ctx.human_coders
    if not ctx.has_suggestions:
        sec.empty = "No auto-coding suggestions - run qualcode autocode to measure the rules."
        return sec
    if not humans:
        sec.empty = "No human coder has accepted codings to measure the rules against."
        return sec
    df = ctx.project.rule_quality(humans, unit=AGREEMENT_UNIT)
    ctx.did("quality", coders=humans, unit=AGREEMENT_UNIT)
    sec.p("The auto-coder's suggestions (whatever their review status) against each "
          "coder's accepted codings, by sentence of respondent speech; the coder is the "
          "reference.")
    table = Table(["coder", "theme", "coder's sentences", "rules' sentences", "precision",
                   "recall", "F1", "kappa"], [], caption="Rules against each coder",
                  command=f"In Python: project.rule_quality({humans!r})", name="quality")
    for r in df.to_dict("records"):
        keys = {"t": "quality", "coder": r["coder"], "code": r["code"]}
        row = [Cell(str(r["coder"])), _code_cell(ctx, r["code"]),
               Cell(str(r["coder_units"]), int(r["coder_units"]), {**keys, "f": "coder_units"},
                    numeric=True),
               Cell(str(r["auto_units"]), int(r["auto_units"]), {**keys, "f": "auto_units"},
                    numeric=True)]
        for f in ("precision", "recall", "f1", "kappa"):
            row.append(Cell(fmt_num(_f(r[f])), _f(r[f]), {**keys, "f": f}, numeric=True))
        table.rows.append(row)
    sec.add("table", table)
    _model_quality(ctx, sec)
    return sec


def _model_quality(ctx: Context, sec: Section) -> None:
    """The learned model's grouped cross-validated quality, from its card (if trained)."""
    from qualcode.learn.persist import read_card

    card = read_card(ctx.project.workspace)
    ctx.did("quality", model=card is not None)
    if card is None:
        sec.p("No learned model: `qualcode train` learns one from the coders' decisions "
              "and measures it the same way.")
        return
    sec.p(f"The learned model (trained {card.get('trained_at', '?')[:16]} on the decisions "
          f"of {', '.join(card.get('coders') or [])}): precision, recall and F1 by "
          "cross-validation grouped by document, for the rules, the model and both, per "
          "theme; thresholds chosen on the training folds only.")
    table = Table(["theme", "positives", "predicted", "rules F1", "model F1", "both F1"],
                  [], caption="Rules, model and both (grouped cross-validation)",
                  command="qualcode train (the model card: .qualcode/models/card.json)",
                  name="model-quality")
    for code in (c.id for c in ctx.project.codebook.codes):
        info = card.get("codes", {}).get(code)
        if info is None:
            continue
        keys = {"t": "model", "code": code}
        row = [_code_cell(ctx, code),
               Cell(str(info["positives"]), int(info["positives"]),
                    {**keys, "f": "positives"}, numeric=True),
               Cell("yes" if info.get("predicted") else str(info.get("status", "no")))]
        for name in ("rules", "model", "both"):
            f1 = (info.get("quality", {}).get(name) or {}).get("f1")
            value = _f(f1) if f1 is not None else float("nan")
            row.append(Cell(fmt_num(value), value, {**keys, "f": f"{name}_f1"}, numeric=True))
        table.rows.append(row)
    sec.add("table", table)
