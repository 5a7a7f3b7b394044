"""Figures: a heatmap of the summary and a forest plot of group differences (matplotlib).

A figure says what it counts: its title names the measure and the unit, and a note
under it says which codings were counted (accepted only, or unreviewed suggestions
too), by which coders, and how respondents were filtered (docs/decisions.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import OutputError, UsageError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


def _pyplot():  # noqa: ANN202
    import matplotlib

    if matplotlib.get_backend().lower() not in ("module://matplotlib_inline.backend_inline",):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_formats() -> list[str]:
    """File suffixes matplotlib can write (png, pdf, svg, ...)."""
    from matplotlib.backend_bases import FigureCanvasBase

    return sorted(FigureCanvasBase.get_supported_filetypes())


def check_figure_path(path: Path) -> None:
    """Before any work: the figure's suffix is one matplotlib writes and its folder
    exists and is writable; else one clear error."""
    suffix = path.suffix.lower().lstrip(".")
    formats = figure_formats()
    if suffix not in formats:
        what = f".{suffix} is not a figure format" if suffix else "no file suffix"
        raise UsageError(f"--plot {path}: {what} - end the file name with one of "
                         f"{', '.join('.' + f for f in formats)} (for example .png)")
    folder = path.parent
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: no folder {folder} - create it first")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"cannot write {path}: the folder {folder} is not writable")


_UNITS = {"respondent": "respondents", "document": "documents", "segment": "respondents"}


def counting_note(unit: str = "respondent", value: str | None = None,
                  include_suggestions: bool = False, coders: list[str] | None = None,
                  rollup: bool = True, where: list[str] | None = None,
                  what: str = "code") -> tuple[str, str]:
    """(title, note) saying what a figure counts, e.g. ("Share of respondents with at
    least one accepted coding of the code", "suggestions not included; all coders ...")."""
    value = value or ("count" if unit == "segment" else "share")
    kind = ("accepted coding or unreviewed suggestion" if include_suggestions
            else "accepted coding")
    who = _UNITS.get(unit, unit + "s")
    if unit == "segment" and value == "per1000":
        title = f"Coded segments ({kind}s) per 1,000 words respondents spoke"
    elif unit == "segment":
        title = f"Number of coded segments ({kind}s)"
    elif value == "share":
        title = f"Share of {who} with at least one {kind} of the {what}"
    elif value == "per1000":
        title = f"Coded segments ({kind}s) per 1,000 words respondents spoke"
    else:
        title = f"Number of {who} with at least one {kind} of the {what}"
    parts = ["suggestions included (unreviewed auto-coding counted as coded)"
             if include_suggestions else "suggestions not included (accepted codings only)"]
    parts.append(f"coders: {', '.join(coders)}" if coders else "all coders")
    parts.append("sub-codes counted in their code" if rollup else "exact codes (no roll-up)")
    if where:
        parts.append("respondents where " + " and ".join(where))
    return title, "; ".join(parts)


def summary_heatmap(df: pd.DataFrame, by: list[str], names: dict[str, str] | None = None,
                    title: str | None = None, note: str | None = None,
                    percent: bool | None = None, n_of: str = "respondents") -> Figure:
    """Codes (rows) x groups (columns), cells coloured and labelled with the value.
    `title` says what the cells count (see counting_note), `note` which codings;
    `percent`: values are shares (default: when no value exceeds 1)."""
    plt = _pyplot()
    groups = df[by].astype(str).agg("\n".join, axis=1) if by else df.assign(g="All").g
    data = df.assign(group=groups)
    ns = data.drop_duplicates("group").set_index("group")["n"]
    pivot = data.pivot_table(index="code", columns="group", values="value", sort=False)
    pivot = pivot.reindex(index=list(dict.fromkeys(df.code)))
    labels = [(names or {}).get(c, c) for c in pivot.index]
    cols = [f"{g}\n(n={ns[g]})" for g in pivot.columns]
    width = max(len(line) for c in cols for line in c.splitlines())
    fig, ax = plt.subplots(figsize=(3 + max(1.1, 0.085 * width) * len(cols),
                                    1.6 + 0.42 * len(labels)))
    im = ax.imshow(pivot.to_numpy(dtype=float), cmap="Oranges", aspect="auto", vmin=0)
    ax.set_xticks(range(len(cols)), cols, fontsize=9)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.xaxis.tick_top()
    if by:
        ax.set_xlabel(" x ".join(by) + f" (n: {n_of} in the group)", fontsize=8)
        ax.xaxis.set_label_position("top")
    vmax = float(pivot.max().max() or 1)
    share = bool(df["value"].max() <= 1) if percent is None else percent
    for i in range(pivot.shape[0]):
        for j in range(pivot.shape[1]):
            v = pivot.iat[i, j]
            if v == v:
                text = f"{v:.0%}" if share else f"{v:.1f}"
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if v > 0.6 * vmax else "black")
    fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    return _finish(fig, title, note)


def _finish(fig: Figure, title: str | None, note: str | None) -> Figure:
    """A figure's title above and note below, laid out to leave room for them."""
    if title:
        fig.suptitle(title, fontsize=10)
    if note:
        fig.text(0.5, 0.005, note, ha="center", va="bottom", fontsize=7, wrap=True)
    fig.tight_layout(rect=(0, 0.04 if note else 0, 1, 0.95 if title else 1))
    return fig


def compare_forest(df: pd.DataFrame, groups: list[str], names: dict[str, str] | None = None,
                   title: str | None = None, by: str | None = None,
                   note: str | None = None) -> Figure:
    """Risk difference (first group minus second) per code with its interval; with `by`,
    one panel per level of that attribute, each titled with it."""
    plt = _pyplot()
    strata = list(dict.fromkeys(df[by])) if by else [None]
    panels = []
    for stratum in strata:
        part = df if stratum is None else df[df[by] == stratum]
        data = part.dropna(subset=["risk_difference"]).iloc[::-1]
        panels.append((stratum, data, len(part) - len(data)))
    heights = [max(1, len(d)) for _, d, _ in panels]
    fig, axes = plt.subplots(len(panels), 1, sharex=True, squeeze=False,
                             figsize=(7, 1.2 + 0.38 * sum(heights) + 0.5 * len(panels)),
                             gridspec_kw={"height_ratios": heights})
    for ax, (stratum, data, missing) in zip(axes[:, 0], panels, strict=True):
        labels = [(names or {}).get(c, c) for c in data.code]
        y = list(range(len(data)))
        if len(data):
            ax.errorbar(data.risk_difference, y,
                        xerr=[data.risk_difference - data.ci_low,
                              data.ci_high - data.risk_difference],
                        fmt="o", color="#333", ecolor="#888", capsize=3)
            for yi, (_, r) in zip(y, data.iterrows(), strict=True):
                if r.p_adjusted < 0.05:
                    ax.plot(r.risk_difference, yi, "o", color="#d95f02")
        else:
            ax.text(0, 0, "no code can be compared here (a group has no respondents)",
                    ha="center", va="center", fontsize=8)
        ax.axvline(0, color="#bbb", lw=1)
        ax.set_yticks(y, labels, fontsize=9)
        ax.set_ylim(-0.7, max(len(data), 1) - 0.3)
        ax.set_xlim(-1.05, 1.05)
        if stratum is not None:
            label = f"{by}: {stratum}"
            if missing:
                label += f" ({missing} code(s) without an estimate left out)"
            ax.set_title(label, fontsize=9, loc="left")
    axes[-1, 0].set_xlabel(f"share with the code: {groups[0]} minus {groups[1]} (95% Newcombe "
                           "CI; orange: BH-adjusted p < .05)", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    if note:
        fig.text(0.5, 0.005, note, ha="center", va="bottom", fontsize=7, wrap=True)
    fig.tight_layout(rect=(0, 0.04 if note else 0, 1, 0.96 if title else 1))
    return fig


def save(fig: Figure, path: Path) -> None:
    """Write the figure; a failure is one OutputError naming the file."""
    from qualcode.export import cannot_write

    # an explicit format: matplotlib would otherwise append ".png" to a name without one
    fmt = path.suffix.lower().lstrip(".") or "png"
    try:
        fig.savefig(path, format=fmt, dpi=150, bbox_inches="tight")
    except OSError as exc:
        raise cannot_write(path, exc) from None
    finally:
        _pyplot().close(fig)


def words_bars(df: pd.DataFrame, by: str | None = None) -> Figure:
    """Bars of `qualcode words`: the count of each lemma, or with `by` the log ratio of
    each group's key lemmas (one panel per group; G2 printed by each bar)."""
    plt = _pyplot()
    if by is None:
        fig, ax = plt.subplots(figsize=(6, 0.3 * len(df) + 1.2))
        ax.barh(list(df.lemma)[::-1], list(df["count"])[::-1], color="#1b9e77")
        ax.set_xlabel("occurrences in respondent speech")
        ax.set_title("Most frequent lemmas (stop words left out)")
        fig.tight_layout()
        return fig
    groups = list(dict.fromkeys(df.group))
    rows = max(len(df[df.group == g]) for g in groups)
    fig, axes = plt.subplots(1, len(groups), figsize=(4.5 * len(groups), 0.3 * rows + 1.6),
                             squeeze=False)
    for ax, g in zip(axes[0], groups, strict=True):
        part = df[df.group == g].iloc[::-1]
        colors = ["#d95f02" if v > 0 else "#7570b3" for v in part.log_ratio]
        ax.barh(list(part.lemma), list(part.log_ratio), color=colors)
        for y, (v, g2) in enumerate(zip(part.log_ratio, part.g2, strict=True)):
            ax.annotate(f"G2 {g2:.1f}", (v, y), fontsize=7, va="center",
                        ha="left" if v > 0 else "right")
        ax.axvline(0, color="black", linewidth=0.8)
        versus = part.versus.iloc[0] if len(part) else "rest"
        ax.set_title(f"{g} vs {versus}", fontsize=10)
        ax.set_xlabel("log ratio (> 0: more in the group)")
    fig.suptitle(f"Words that distinguish {by} groups")
    fig.tight_layout()
    return fig


def saturation_curve(curve: pd.DataFrame, verdict: pd.DataFrame, by: str | None = None,
                     title: str | None = None, note: str | None = None) -> Figure:
    """New codes per interview (bars) and cumulative codes (line), one panel per group;
    the base interviews shaded, the run that reached saturation marked."""
    plt = _pyplot()
    groups = list(dict.fromkeys(curve[by])) if by else [None]
    groups = groups or [None]
    fig, axes = plt.subplots(len(groups), 1, squeeze=False,
                             figsize=(7, 0.6 + 2.6 * len(groups)))
    for ax, group in zip(axes[:, 0], groups, strict=True):
        part = curve if group is None else curve[curve[by] == group]
        ver = verdict if group is None else verdict[verdict[by] == group]
        v = ver.iloc[0] if len(ver) else None
        x = part.position.tolist()
        ax.bar(x, part.new_codes, color=["#fdae6b" if b else "#6baed6"
                                         for b in part.in_base],
               label="new codes (orange: the base)")
        ax.plot(x, part.cumulative_codes, color="#333", marker="o", ms=3,
                label="codes so far")
        if v is not None and v["reached"]:
            at, start = int(v["reached_at"]), int(v["before_run"]) + 1
            ax.axvspan(start - 0.5, at + 0.5, color="#31a354", alpha=0.15)
            ax.axvline(at + 0.5, color="#31a354", lw=1.2)
            verdict_text = f"saturation at interview {at} ({v['reported']})"
        elif v is not None:
            verdict_text = "saturation not reached"
        else:
            verdict_text = ""
        label = f"{by}: {group} - " if by else ""
        ax.set_title(label + verdict_text, fontsize=9, loc="left")
        ax.set_xticks(x)
        ax.set_xlabel("interview (in order)", fontsize=8)
        ax.set_ylabel("codes", fontsize=8)
        ax.legend(fontsize=7, loc="center right")
    return _finish(fig, title, note)
