"""The evaluation report of a published version: one self-contained HTML page (inline CSS,
figures as PNG data URIs, no script and no reference to anything outside the file), so it
opens offline and can be archived or mailed as it is.

It holds, from the version's marts.duckdb and version.json:

- the version, when and from which run and code revision it was published;
- the headline table: each activity's effect on its primary outcome at horizons 0-2 with
  its 95 % interval, the estimate without censoring weights and the naive comparison, and
  the generator's true effect where a truth exists (the embedded default only);
- the forest plot of the same;
- the area trend (suspicions among 10-14-year-olds by the round that first funded the
  area) and the cohort event studies, one plot per indicator, with the generator's targets
  where they exist;
- the government list counts by year;
- the landing files the version was built from, with their SHA-256.

``build_report`` is pure (inputs in, HTML out); ``reports/assets.py`` runs it after publish.
"""

from __future__ import annotations

import base64
import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from dagster_project.reports.forest_plot import EFFECTS_SQL, figure, png_bytes, with_truth  # noqa: E402

HEADLINES = (("fritidsjob", 0), ("netvaerksmoedre", 2), ("mentorforloeb", 2), ("projekt_eventforloeb", 2))
SUSPICION = "MISTANKE_10_14_PR_1000"
COHORT_COLORS = {"2011-14": "#1f5fa8", "2015-18": "#e08a00", "2019-26": "#2a9d5c", "never": "#7a7a7a"}

TREND_SQL = f"""
select coalesce(areas.first_funding_round, 'never') as cohort, facts.year,
       sum(facts.residents * facts.suspicions_10_14_per_1000) / sum(facts.residents) as value,
       count(*) as n_areas
from fct_omraade_aar as facts
inner join dim_boligomraade as areas on areas.area_id = facts.area_id
where facts.suspicions_10_14_per_1000 is not null and facts.residents > 0
group by all order by all
"""
EVENT_STUDY_SQL = """
select * from rpt_omraade_event_study
where indicator_source = 'official' and comparison_group = 'not_yet_funded'
order by indicator_code, cohort, term, event_time
"""
LIST_COUNTS_SQL = """
select year, list_category, count(*) as n_areas
from fct_omraade_aar where list_published and list_category is not null
group by all order by all
"""

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #1d1d1f; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem;
     border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.6rem 0; }
th, td { border: 1px solid #d6d6d6; padding: 0.25rem 0.5rem; text-align: right; }
th { background: #f2f4f7; } td.text, th.text { text-align: left; }
tr.headline td { background: #eef4fb; font-weight: 600; }
td.miss { color: #b3261e; } td.hit { color: #1e7b34; }
img { max-width: 100%; height: auto; border: 1px solid #eee; margin: 0.4rem 0; }
.note { font-size: 0.85rem; color: #555; max-width: 60rem; }
code { font-size: 0.85rem; }
"""


@dataclass
class ReportInputs:
    version: str
    version_info: dict[str, Any]
    effects: pd.DataFrame                      # rpt_aktivitet_effekter, primary outcome, subgroup 'all'
    trend: pd.DataFrame                        # cohort x year suspicions 10-14 (resident-weighted)
    event_study: pd.DataFrame                  # rpt_omraade_event_study (official, not yet funded)
    list_counts: pd.DataFrame                  # year x list category
    truth: pd.DataFrame | None = None          # reports/truth.py true_effects
    area_truth: pd.DataFrame | None = None     # reports/truth.py true_area_effects
    suspicion_targets: dict[str, dict[str, float]] | None = None  # manifest: cohort -> year -> target
    notes: list[str] = field(default_factory=list)


def read_inputs(version_dir: Path, *, truth: pd.DataFrame | None, area_truth: pd.DataFrame | None,
                suspicion_targets: dict[str, dict[str, float]] | None) -> ReportInputs:
    """What the report shows, from one published version's files (read-only)."""
    info = json.loads((version_dir / "version.json").read_text(encoding="utf-8"))
    with duckdb.connect(str(version_dir / "marts.duckdb"), read_only=True) as con:
        effects = con.sql(EFFECTS_SQL).df()
        trend = con.sql(TREND_SQL).df()
        event_study = con.sql(EVENT_STUDY_SQL).df()
        list_counts = con.sql(LIST_COUNTS_SQL).df()
    return ReportInputs(version=info["version"], version_info=info, effects=effects, trend=trend,
                        event_study=event_study, list_counts=list_counts, truth=truth, area_truth=area_truth,
                        suspicion_targets=suspicion_targets)


def suspicion_targets_of(manifest: dict[str, Any]) -> dict[str, dict[str, float]] | None:
    """The generator's expected suspicions per 1,000 by first-funding group and year."""
    groups = manifest.get("suspicion_10_14")
    if not groups:
        return None
    return {g: {y: v["target_per_1000"] for y, v in years.items()} for g, years in groups.items()}


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _img(png: bytes, alt: str) -> str:
    return f'<img src="{_data_uri(png)}" alt="{html.escape(alt)}">'


def _fmt(value: Any, kind: str = "binary") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return ""
    return f"{value:.2f}" if kind == "binary" else f"{value:+.2f}"


def headline_table(effects: pd.DataFrame, truth: pd.DataFrame | None) -> str:
    rows = with_truth(effects, truth)
    head = ("<tr><th class='text'>activity</th><th class='text'>outcome</th><th>year</th><th>treated</th>"
            "<th>estimate</th><th>95 % interval</th><th>without censoring weights</th><th>naive</th>"
            + ("<th>truth</th><th>interval covers truth</th>" if truth is not None else "") + "</tr>")
    lines = [head]
    for _, r in rows.iterrows():
        kind = r["outcome_kind"]
        headline = (r["activity_code"], int(r["horizon"])) in HEADLINES
        cells = [f"<td class='text'>{html.escape(r['activity_code'])}</td>",
                 f"<td class='text'>{html.escape(r['outcome'])}</td>", f"<td>{int(r['horizon'])}</td>"]
        if r["is_suppressed"]:
            cells.append("<td colspan='5' class='text'>suppressed (a cell under 5 persons)</td>")
            if truth is not None:
                cells.append(f"<td>{_fmt(r.get('truth'), kind)}</td><td></td>")
        else:
            # treated_n is withheld where the profile minus it would be 1-4 (docs/privacy.md)
            treated = "withheld" if pd.isna(r["treated_n"]) else f"{int(r['treated_n']):,}"
            cells += [f"<td>{treated}</td>", f"<td>{_fmt(r['estimate'], kind)}</td>",
                      f"<td>{_fmt(r['ci_low'], kind)} to {_fmt(r['ci_high'], kind)}</td>",
                      f"<td>{_fmt(r['excluding'], kind)}</td>", f"<td>{_fmt(r['naive'], kind)}</td>"]
            if truth is not None:
                covered = r["ci_low"] <= r["truth"] <= r["ci_high"] if pd.notna(r.get("truth")) else None
                cells.append(f"<td>{_fmt(r.get('truth'), kind)}</td>")
                cells.append("<td></td>" if covered is None
                             else f"<td class='{'hit' if covered else 'miss'}'>{'yes' if covered else 'no'}</td>")
        lines.append(f"<tr{' class=headline' if headline else ''}>{''.join(cells)}</tr>")
    return "<table>" + "".join(lines) + "</table>"


def trend_figure(trend: pd.DataFrame, targets: dict[str, dict[str, float]] | None) -> bytes:
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for cohort, group in trend.groupby("cohort"):
        color = COHORT_COLORS.get(cohort, "black")
        label = f"first funded {cohort}" if cohort != "never" else "never funded"
        ax.plot(group["year"], group["value"], marker="o", markersize=3, color=color, label=label)
        if targets and cohort in targets:
            years = sorted(int(y) for y in targets[cohort])
            ax.plot(years, [targets[cohort][str(y)] for y in years], linestyle="--", linewidth=1, color=color)
    ax.set_ylabel("suspicions per 1,000 aged 10-14")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Area trend: suspicions among 10-14-year-olds by the round that first funded the area"
                 + ("\n(dashed: the generator's targets)" if targets else ""), fontsize=9)
    ax.grid(linewidth=0.3)
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return png_bytes(fig)


def event_study_grid(event_study: pd.DataFrame) -> bytes:
    """One small event study per indicator: all cohorts, not-yet-funded comparison."""
    rows = event_study[(event_study["cohort"] == "all") & (event_study["term"] == "event_time")]
    indicators = sorted(rows["indicator_code"].unique())
    ncols = 3
    nrows = max(1, math.ceil(len(indicators) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(11, 2.6 * nrows), squeeze=False)
    for ax, code in zip(axes.flat, indicators, strict=False):
        r = rows[rows["indicator_code"] == code].sort_values("event_time")
        pre = r["is_pre_period"]
        for mask, color in ((pre, "#9e9e9e"), (~pre, "#1f5fa8")):
            part = r[mask]
            ax.errorbar(part["event_time"], part["att"],
                        yerr=[part["att"] - part["ci_low"], part["ci_high"] - part["att"]],
                        fmt="o", markersize=3, capsize=1.5, color=color, linewidth=0.8)
        ax.plot([-1], [0], marker="o", markersize=3, color="black")
        ax.axhline(0, color="black", linewidth=0.6)
        ax.axvline(-0.5, color="black", linewidth=0.4, linestyle=":")
        ax.set_title(code, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(indicators):]:
        ax.axis("off")
    fig.suptitle("Event studies, all cohorts (grey: placebo before funding; black: base year g - 1)", fontsize=9)
    fig.supxlabel("years since the round that first funded the area started", fontsize=8)
    fig.tight_layout()
    return png_bytes(fig)


def suspicion_by_cohort_figure(event_study: pd.DataFrame, area_truth: pd.DataFrame | None) -> bytes:
    rows = event_study[(event_study["indicator_code"] == SUSPICION) & (event_study["term"] == "event_time")]
    cohorts = [c for c in sorted(rows["cohort"].unique()) if c != "all"] + ["all"]
    fig, axes = plt.subplots(1, len(cohorts), figsize=(3.2 * len(cohorts), 3.2), squeeze=False, sharey=True)
    for ax, cohort in zip(axes.flat, cohorts, strict=True):
        r = rows[rows["cohort"] == cohort].sort_values("event_time")
        color = COHORT_COLORS.get(cohort, "#1f5fa8")
        ax.errorbar(r["event_time"], r["att"], yerr=[r["att"] - r["ci_low"], r["ci_high"] - r["att"]],
                    fmt="o", markersize=3, capsize=1.5, color=color, linewidth=0.8, label="estimate, 95 % CI")
        if area_truth is not None and cohort != "all":
            t = area_truth[(area_truth["cohort"] == cohort) & (area_truth["indicator_code"] == SUSPICION)]
            t = t.sort_values("event_time")
            ax.plot(t["event_time"], t["att"], color="#d1495b", linewidth=1.2, label="generator's target")
        ax.axhline(0, color="black", linewidth=0.6)
        ax.axvline(-0.5, color="black", linewidth=0.4, linestyle=":")
        ax.set_title(f"cohort {cohort}", fontsize=8)
        ax.tick_params(labelsize=7)
    axes.flat[0].set_ylabel("effect on suspicions per 1,000 aged 10-14", fontsize=8)
    axes.flat[0].legend(fontsize=7, frameon=False)
    fig.supxlabel("years since the cohort's first year", fontsize=8)
    fig.tight_layout()
    return png_bytes(fig)


def cohort_summary_table(event_study: pd.DataFrame, area_truth: pd.DataFrame | None) -> str:
    rows = event_study[event_study["term"] != "event_time"]
    rows = rows[rows["indicator_code"] == SUSPICION].sort_values(["cohort", "term"])
    lines = ["<tr><th class='text'>cohort</th><th class='text'>average over</th><th>funded areas</th>"
             "<th>effect</th><th>95 % interval</th>" + ("<th>target</th><th>covers</th>" if area_truth is not None
                                                       else "") + "</tr>"]
    for _, r in rows.iterrows():
        cells = [f"<td class='text'>{html.escape(r['cohort'])}</td>",
                 f"<td class='text'>{'after first funding' if r['term'] == 'post_average' else 'before (placebo)'}</td>",
                 f"<td>{int(r['n_cohort_areas'])}</td>", f"<td>{r['att']:+.2f}</td>",
                 f"<td>{r['ci_low']:+.2f} to {r['ci_high']:+.2f}</td>"]
        if area_truth is not None:
            target = cohort_target(area_truth, r["cohort"], r["term"])
            if target is None:
                cells.append("<td></td><td></td>")
            else:
                hit = r["ci_low"] <= target <= r["ci_high"]
                cells.append(f"<td>{target:+.2f}</td><td class='{'hit' if hit else 'miss'}'>{'yes' if hit else 'no'}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + "".join(lines) + "</table>"


def cohort_target(area_truth: pd.DataFrame, cohort: str, term: str) -> float | None:
    """The target of a cohort's post- or pre-period average (the mean of its ATT(g, t))."""
    if cohort == "all":
        return None
    t = area_truth[(area_truth["cohort"] == cohort) & (area_truth["indicator_code"] == SUSPICION)]
    t = t[t["event_time"] >= 0] if term == "post_average" else t[t["event_time"] <= -2]
    return float(t["att"].mean()) if len(t) else None


def list_counts_table(list_counts: pd.DataFrame) -> str:
    if list_counts.empty:
        return "<p>No list was published in this version's data.</p>"
    wide = list_counts.pivot_table(index="year", columns="list_category", values="n_areas", fill_value=0)
    head = "<tr><th>year</th>" + "".join(f"<th>{html.escape(c)}</th>" for c in wide.columns) + "</tr>"
    body = "".join("<tr><td>" + str(year) + "</td>" + "".join(f"<td>{int(v)}</td>" for v in row) + "</tr>"
                   for year, row in wide.iterrows())
    return "<table>" + head + body + "</table>"


def landing_files_table(sources: list[dict[str, Any]]) -> str:
    head = ("<tr><th class='text'>raw asset</th><th class='text'>partition</th><th class='text'>landing file</th>"
            "<th class='text'>SHA-256</th></tr>")
    body = "".join(
        f"<tr><td class='text'>{html.escape(str(s.get('asset')))}</td>"
        f"<td class='text'>{html.escape(str(s.get('partition') or ''))}</td>"
        f"<td class='text'>{html.escape(str(s.get('file')))}</td><td class='text'><code>{html.escape(str(s.get('sha256')))}"
        "</code></td></tr>"
        for s in sorted(sources, key=lambda s: (str(s.get("asset")), str(s.get("partition")), str(s.get("file")))))
    return "<table>" + head + body + "</table>"


def build_report(inputs: ReportInputs) -> str:
    """The report as one HTML document."""
    info = inputs.version_info
    has_truth = inputs.truth is not None
    forest = png_bytes(figure(with_truth(inputs.effects, inputs.truth),
                              title=f"Effects of the activities on their primary outcome (version {inputs.version})",
                              truth_label="true effect on the treated (generator's truth)" if has_truth else None))
    sections = [
        f"<h1>Evaluation report, published version {html.escape(inputs.version)}</h1>",
        f"<p class='meta'>Published {html.escape(str(info.get('published_at')))} by run "
        f"<code>{html.escape(str(info.get('run_id')))}</code> from code revision "
        f"<code>{html.escape(str(info.get('code_revision')))}</code>; "
        f"{int(info.get('checks_passed') or 0)} checks passed; {len(info.get('sources', []))} landing files.</p>",
        "<p class='note'>" + ("Truth: the embedded default's generator wrote the true effects; they are shown "
                              "for validation only (real data have no truth)." if has_truth
                              else "No truth: real data have none, so no estimate is compared with one.") + "</p>",
        "<h2>Effects of the activities on their participants</h2>",
        "<p class='note'>Per activity, its primary outcome in the participation year and one and two years "
        "after: the effect on the treated against never taking part (odds ratio; difference in school absence, "
        "percentage points), from coarsened exact matching with controls censored when they start the activity "
        "and reweighted by the inverse probability of remaining uncensored, with 95 % intervals for the effect on "
        "these participants. Beside it the estimate without the censoring weights (controls who start within "
        "the horizon left out) and the naive comparison. Highlighted: the four headline estimates. Method: "
        "docs/effects.md.</p>",
        headline_table(inputs.effects, inputs.truth),
        _img(forest, "forest plot of the activities' effects"),
        "<h2>Areas</h2>",
        _img(trend_figure(inputs.trend, inputs.suspicion_targets), "area trend of suspicions among 10-14-year-olds"),
        "<p class='note'>Cohort difference-in-differences (Callaway &amp; Sant'Anna 2021): areas grouped by the "
        "round that first funded them, compared year by year with the areas not yet funded (never funded or "
        "first funded by a later round), relative to the year before the round started; areas weighted by their "
        "residents. Rows before funding are placebo estimates (0 if the groups' trends are parallel).</p>",
        _img(suspicion_by_cohort_figure(inputs.event_study, inputs.area_truth),
             "event study of suspicions among 10-14-year-olds per cohort"),
        cohort_summary_table(inputs.event_study, inputs.area_truth),
        _img(event_study_grid(inputs.event_study), "event studies of every indicator"),
        "<h2>Government lists</h2>",
        "<p class='note'>Areas on the published list of each year, by their most specific category.</p>",
        list_counts_table(inputs.list_counts),
        "<h2>Landing files of this version</h2>",
        landing_files_table(info.get("sources", [])),
    ]
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Evaluation report {html.escape(inputs.version)}</title><style>{CSS}</style></head><body>"
            + "\n".join(sections) + "</body></html>\n")
