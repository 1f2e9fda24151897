"""The forest plot of the activities' effects: for each activity's primary outcome and
horizon, the naive comparison and the matched estimate (ATT, censoring-weighted) with their
95 % intervals, the estimate without the censoring weights (open circle), and, where the
generator's truth exists, the true effect on the treated (validation).

Odds ratios (yes/no outcomes) are drawn on a log axis, differences in mean school absence
on a linear one. Rows the report suppressed are labelled as such and not drawn.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")  # no display: the figure is a file
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator  # noqa: E402

EFFECTS_SQL = """
select activity_code, outcome, outcome_kind, horizon, is_suppressed, treated_n, matched_controls_n,
       coalesce(odds_ratio, mean_difference) as estimate,
       coalesce(excluding_later_starters_odds_ratio, excluding_later_starters_mean_difference) as excluding,
       coalesce(odds_ratio_ci_low, mean_difference_ci_low) as ci_low,
       coalesce(odds_ratio_ci_high, mean_difference_ci_high) as ci_high,
       coalesce(naive_odds_ratio, naive_mean_difference) as naive,
       coalesce(naive_odds_ratio_ci_low, naive_mean_difference_ci_low) as naive_low,
       coalesce(naive_odds_ratio_ci_high, naive_mean_difference_ci_high) as naive_high
from rpt_aktivitet_effekter
where is_primary_outcome and subgroup = 'all'
order by outcome_kind, activity_code, horizon
"""

COLORS = {"naive": "#9e9e9e", "matched": "#1f5fa8", "truth": "#d1495b", "excluding": "#1f5fa8"}
MATCHED_LABEL = "matched (coarsened exact matching, censoring-weighted: ATT), 95 % CI"
EXCLUDING_LABEL = "matched without censoring weights (later starters left out)"
NAIVE_LABEL = "naive (all participants vs all eligible), 95 % CI"
RATIO_TICKS = (0.125, 0.25, 0.5, 1, 2, 4, 8, 16)


def read_primary_effects(marts_db: Path) -> pd.DataFrame:
    """The primary outcome's effects for everybody, from the published marts.duckdb."""
    with duckdb.connect(str(marts_db), read_only=True) as con:
        return con.sql(EFFECTS_SQL).df()


def with_truth(effects: pd.DataFrame, truth: pd.DataFrame | None) -> pd.DataFrame:
    if truth is None:
        return effects.assign(truth=float("nan"))
    truth = truth[truth["subgroup"] == "all"].copy()
    truth["truth"] = truth["true_odds_ratio"].fillna(truth["true_mean_difference"])
    return effects.merge(truth[["activity_code", "outcome", "horizon", "truth"]],
                         on=["activity_code", "outcome", "horizon"], how="left")


def figure(effects: pd.DataFrame, *, title: str, truth_label: str | None):
    """The forest plot as a matplotlib figure (the caller saves and closes it)."""
    panels = [("binary", "odds ratio (log scale)", 1.0), ("mean", "difference in school absence, % points", 0.0)]
    heights = [max(1, (effects["outcome_kind"] == kind).sum()) for kind, _, _ in panels]
    fig, axes = plt.subplots(2, 1, figsize=(9, 2.4 + 0.42 * sum(heights)), gridspec_kw={"height_ratios": heights})
    handles = {}
    for ax, (kind, xlabel, neutral) in zip(axes, panels, strict=True):
        rows = effects[effects["outcome_kind"] == kind].reset_index(drop=True)
        ax.axvline(neutral, color="black", linewidth=0.8)
        labels = []
        for i, row in rows.iterrows():
            y = len(rows) - 1 - i
            labels.append((y, f"{row['activity_code']} · {row['outcome']} · year {row['horizon']}"
                              + (" (suppressed)" if row["is_suppressed"] else "")))
            if row["is_suppressed"]:
                continue
            handles[MATCHED_LABEL] = ax.errorbar(
                row["estimate"], y + 0.15, xerr=[[row["estimate"] - row["ci_low"]], [row["ci_high"] - row["estimate"]]],
                fmt="o", color=COLORS["matched"], capsize=2, markersize=5)
            if pd.notna(row.get("excluding")):
                handles[EXCLUDING_LABEL] = ax.plot(row["excluding"], y + 0.15, marker="o", markerfacecolor="white",
                                                   color=COLORS["excluding"], markersize=5, linestyle="none",
                                                   zorder=2)[0]
            handles[NAIVE_LABEL] = ax.errorbar(
                row["naive"], y - 0.15, xerr=[[row["naive"] - row["naive_low"]], [row["naive_high"] - row["naive"]]],
                fmt="s", color=COLORS["naive"], capsize=2, markersize=4)
            if truth_label and pd.notna(row.get("truth")):
                handles[truth_label] = ax.plot(row["truth"], y + 0.15, marker="D", color=COLORS["truth"],
                                               markersize=5, linestyle="none", zorder=3)[0]
        ax.set_yticks([y for y, _ in labels], [text for _, text in labels], fontsize=8)
        ax.set_ylim(-0.6, max(len(rows), 1) - 0.4)
        if kind == "binary":
            ax.set_xscale("log")
            low, high = ax.get_xlim()
            ax.xaxis.set_major_locator(FixedLocator([t for t in RATIO_TICKS if low <= t <= high] or [1]))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.set_xlabel(xlabel, fontsize=9)
        ax.grid(axis="x", linewidth=0.3)
    if handles:
        fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=1, fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.022 * (len(handles) + 1) if handles else 0, 1, 1))
    return fig


def png_bytes(fig, dpi: int = 110) -> bytes:
    """A figure as PNG bytes; closes it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def draw(effects: pd.DataFrame, path: Path, *, title: str, truth_label: str | None) -> Path:
    """Write the figure as PNG to ``path`` (atomically: a reader never sees half a file)."""
    data = png_bytes(figure(effects, title=title, truth_label=truth_label))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)
    return path
