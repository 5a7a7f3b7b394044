"""The report's section "Words that distinguish groups": keyness of respondents' lemmas
for each single attribute the report groups by (`qualcode words --by ATTR`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qualcode.report.model import Cell, Section, Table, fmt_num, fmt_p

if TYPE_CHECKING:
    from qualcode.report.build import Context

WORDS_TOP = 10
WORDS_MIN_COUNT = 5
SIGNIFICANT = 0.05


def words_section(ctx: Context) -> Section:
    """Per attribute: the key lemmas of each group (two groups: the first against the
    second; more: each against the rest), G2, log ratio, BH-adjusted p."""
    from qualcode.errors import UsageError
    from qualcode.report.analyses import _levels

    sec = Section("words", "Words that distinguish groups")
    singles = [by[0] for by in ctx.groupings if len(by) == 1]
    if not singles:
        sec.empty = "No single attribute to compare (give --by ATTR)."
        return sec
    if ctx.units.empty:
        sec.empty = "No respondents (no documents, or none match the filter)."
        return sec
    done = ctx.did("words", top=WORDS_TOP, min_count=WORDS_MIN_COUNT, attributes=[])
    for attr in singles:
        levels, _ = _levels(ctx, attr)
        levels = [v for v in levels if v != "(missing)"]
        sec.h3(f"By {attr}")
        if len(levels) < 2:
            sec.p(f"Only one group of {attr}: nothing to compare.")
            continue
        try:
            df = ctx.project.words(by=attr, groups=levels, top=WORDS_TOP,
                                   min_count=WORDS_MIN_COUNT,
                                   where=ctx.options.where or None)
        except UsageError as exc:
            sec.p(f"Not computed: {exc}.")
            continue
        done["attributes"].append(attr)
        if ctx.pseudo.active:  # a name is no key word, and would show who spoke
            df = df[[ctx.pseudo.text(w) == w for w in df.lemma]]
            df = ctx.pseudo.frame(df)
        if df.empty:
            sec.p(f"No lemma of {attr}'s groups occurs {WORDS_MIN_COUNT} times or more.")
            continue
        args = ["words", "--by", attr, "--top", str(WORDS_TOP), "--groups", ",".join(levels)]
        table = Table(["group", "versus", "lemma", "count", "count (versus)", "per 10k",
                       "per 10k (versus)", "log ratio", "G2", "p adj."], [],
                      caption=f"Key lemmas by {attr}: the {WORDS_TOP} with the highest G2 "
                              "per group; log ratio > 0: more frequent in the group",
                      command=ctx.command(*args, suggestions=False, coders=False),
                      name=f"words-{attr}")
        for r in df.to_dict("records"):
            keys = {"t": "words", "attr": attr, "group": str(r["group"]),
                    "lemma": str(r["lemma"])}

            def num(field: str, text: str, r: dict = r, keys: dict = keys) -> Cell:
                return Cell(text, float(r[field]), {**keys, "f": field}, numeric=True)

            adj = num("p_adjusted", fmt_p(r["p_adjusted"]))
            adj.strong = bool(r["p_adjusted"] < SIGNIFICANT)
            table.rows.append([
                Cell(str(r["group"])), Cell(str(r["versus"])), Cell(str(r["lemma"])),
                Cell(str(int(r["count"])), int(r["count"]), {**keys, "f": "count"},
                     numeric=True),
                Cell(str(int(r["count_versus"])), int(r["count_versus"]),
                     {**keys, "f": "count_versus"}, numeric=True),
                num("per_10k", fmt_num(r["per_10k"], 1)),
                num("per_10k_versus", fmt_num(r["per_10k_versus"], 1)),
                num("log_ratio", fmt_num(r["log_ratio"], signed=True)),
                num("g2", fmt_num(r["g2"], 1)), adj])
        sec.add("table", table)
    return sec
