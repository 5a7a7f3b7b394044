"""Figures: a heatmap of the summary and a forest plot of group differences (matplotlib)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


def _pyplot():  # noqa: ANN202
    import matplotlib

    if matplotlib.get_backend().lower() not in ("module://matplotlib_inline.backend_inline",):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def summary_heatmap(df: pd.DataFrame, by: list[str], names: dict[str, str] | None = None,
                    title: str | None = None) -> Figure:
    """Codes (rows) x groups (columns), cells coloured and labelled with the value."""
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
                                    1.2 + 0.42 * len(labels)))
    im = ax.imshow(pivot.to_numpy(dtype=float), cmap="Oranges", aspect="auto", vmin=0)
    ax.set_xticks(range(len(cols)), cols, fontsize=9)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.xaxis.tick_top()
    vmax = float(pivot.max().max() or 1)
    for i in range(pivot.shape[0]):
        for j in range(pivot.shape[1]):
            v = pivot.iat[i, j]
            if v == v:
                text = f"{v:.0%}" if df["value"].max() <= 1 else f"{v:.1f}"
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if v > 0.6 * vmax else "black")
    fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    if title:
        ax.set_title(title, fontsize=10, pad=30)
    fig.tight_layout()
    return fig


def compare_forest(df: pd.DataFrame, groups: list[str], names: dict[str, str] | None = None,
                   title: str | None = None) -> Figure:
    """Risk difference (first group minus second) per code with its interval."""
    plt = _pyplot()
    data = df.dropna(subset=["risk_difference"]).iloc[::-1]
    labels = [(names or {}).get(c, c) for c in data.code]
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.38 * len(data)))
    y = range(len(data))
    ax.errorbar(data.risk_difference, y,
                xerr=[data.risk_difference - data.ci_low, data.ci_high - data.risk_difference],
                fmt="o", color="#333", ecolor="#888", capsize=3)
    for yi, (_, r) in zip(y, data.iterrows(), strict=True):
        if r.p_adjusted < 0.05:
            ax.plot(r.risk_difference, yi, "o", color="#d95f02")
    ax.axvline(0, color="#bbb", lw=1)
    ax.set_yticks(list(y), labels, fontsize=9)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel(f"share with the code: {groups[0]} minus {groups[1]} (95% Newcombe CI; "
                  "orange: BH-adjusted p < .05)", fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def save(fig: Figure, path: Path) -> None:
    fig.savefig(path, dpi=150, bbox_inches="tight")
    _pyplot().close(fig)
