"""The simulation study: do the published estimates recover the generator's truth, and do
their 95 % intervals cover it 95 % of the time? (issue 16)

    uv run python bench/validate.py                                 # 50 seeds at scale 0.05 -> docs/validation.md
    uv run python bench/validate.py --seeds 2 --root /tmp/v --output /tmp/v/validation.md --plot /tmp/v/v.png
    uv run python bench/validate.py --render --root /tmp/v           # the page again from the results so far

For each seed in a fresh data directory (``<root>/seed-<n>``) it runs the real pipeline
exactly as a data engineer does, ``python -m dagster_project refresh --generate --scale S
--seed n`` (generator, every raw gate, dbt, mart gates, publish), then reads the published
``marts.duckdb`` and the seed's truth (``dagster_project/reports/truth.py``) and appends
one row per published estimate to ``<root>/results.csv`` (a study that is stopped resumes
where it stopped; a seed's data directory is removed once its rows are written, unless
``--keep``). It then writes, per activity, outcome and horizon of the primary outcomes (and
over all outcomes, whose truth is "no effect"):

- mean bias: the mean of estimate / truth - 1 for ratios, estimate - truth (points) for
  school absence; also for the estimate without censoring weights and the naive one;
- RMSE on the same scale;
- coverage: the share of seeds whose 95 % interval holds that seed's truth, with its
  binomial (Wilson) 95 % interval; and the ratio of the spread of the errors (log scale for
  ratios) to the mean standard error, which is 1 when the intervals are calibrated;
- for the cohort event study (suspicions among 10-14-year-olds against the generator's
  targets), the coverage of the cohorts' event-time estimates and averages.

Not a test: it measures and reports; ``tests/integration/test_validation_study.py`` runs it
on 2 seeds to keep it working.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import duckdb  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dagster_project.reports.evaluation import HEADLINES, SUSPICION, cohort_target  # noqa: E402
from dagster_project.reports.truth import true_area_effects, true_effects  # noqa: E402
from dagster_project.versioning import code_revision  # noqa: E402

KEYS = ["activity_code", "outcome", "horizon", "subgroup"]
Z = 1.959963984540054
RESULTS = "results.csv"
AREA_RESULTS = "area_results.csv"
SEEDS_LOG = "seeds.csv"


def refresh_seed(root: Path, seed: int, scale: float, *, niceness: int) -> float:
    """One full refresh of a freshly generated world; returns its wall time in seconds."""
    data = root / f"seed-{seed}"
    shutil.rmtree(data, ignore_errors=True)
    home = data / "dagster_home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOLIGSOCIAL_")}
    env.update(BOLIGSOCIAL_DATA_DIR=str(data), DAGSTER_HOME=str(home))
    if "BOLIGSOCIAL_PSEUDONYM_KEY" in os.environ:
        env["BOLIGSOCIAL_PSEUDONYM_KEY"] = os.environ["BOLIGSOCIAL_PSEUDONYM_KEY"]
    command = [sys.executable, "-m", "dagster_project", "refresh", "--generate", "--scale", str(scale),
               "--seed", str(seed)]
    if niceness:
        command = ["nice", "-n", str(niceness), *command]
    started = time.perf_counter()
    log = data / "refresh.log"
    with log.open("w", encoding="utf-8") as out:
        result = subprocess.run(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        tail = log.read_text(encoding="utf-8").splitlines()[-20:]
        raise RuntimeError(f"refresh of seed {seed} failed (exit {result.returncode}); {log}:\n" + "\n".join(tail))
    return time.perf_counter() - started


def seed_rows(data: Path, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published estimates of one seed beside its truth: effects and event study."""
    with duckdb.connect(str(data / "warehouse" / "marts.duckdb"), read_only=True) as con:
        effects = con.sql("select * from rpt_aktivitet_effekter").df()
        events = con.sql(f"""select * from rpt_omraade_event_study where indicator_code = '{SUSPICION}'
                             and indicator_source = 'official'""").df()
    truth = true_effects(data / "truth")
    frame = effects.merge(truth, on=KEYS, how="left")
    binary = frame["outcome_kind"] == "binary"
    frame = pd.DataFrame({
        **{k: frame[k] for k in KEYS}, "seed": seed, "outcome_kind": frame["outcome_kind"],
        "is_primary_outcome": frame["is_primary_outcome"], "is_suppressed": frame["is_suppressed"],
        "treated_n": frame["treated_n"],
        "estimate": frame["odds_ratio"].where(binary, frame["mean_difference"]),
        "ci_low": frame["odds_ratio_ci_low"].where(binary, frame["mean_difference_ci_low"]),
        "ci_high": frame["odds_ratio_ci_high"].where(binary, frame["mean_difference_ci_high"]),
        "excluding": frame["excluding_later_starters_odds_ratio"].where(
            binary, frame["excluding_later_starters_mean_difference"]),
        "naive": frame["naive_odds_ratio"].where(binary, frame["naive_mean_difference"]),
        "truth": frame["true_odds_ratio"].where(binary, frame["true_mean_difference"]),
    })
    area_truth = true_area_effects(data / "truth")
    events = events.assign(seed=seed)
    if area_truth is not None:
        cohort_rows = events["term"] == "event_time"
        merged = events[cohort_rows].merge(area_truth[["cohort", "event_time", "att"]].rename(columns={"att": "target"}),
                                           on=["cohort", "event_time"], how="left")
        averages = events[~cohort_rows].copy()
        averages["target"] = [cohort_target(area_truth, c, t) for c, t in zip(averages["cohort"], averages["term"],
                                                                               strict=True)]
        events = pd.concat([merged, averages], ignore_index=True)
    keep = ["seed", "comparison_group", "cohort", "term", "event_time", "n_cohort_areas", "att", "standard_error",
            "ci_low", "ci_high", "target"]
    return frame, events.reindex(columns=keep)


def wilson(hits: int, n: int) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    p = hits / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Per activity, outcome, horizon and subgroup over the seeds with a published estimate."""
    shown = results[~results["is_suppressed"].astype(bool) & results["truth"].notna()].copy()
    ratio = shown["outcome_kind"] == "binary"
    for column in ("estimate", "excluding", "naive"):
        shown[f"{column}_error"] = np.where(ratio, shown[column] / shown["truth"] - 1, shown[column] - shown["truth"])
    shown["log_error"] = np.where(ratio, np.log(shown["estimate"] / shown["truth"]), shown["estimate"] - shown["truth"])
    shown["se"] = np.where(ratio, np.log(shown["ci_high"] / shown["estimate"]) / Z,
                           (shown["ci_high"] - shown["estimate"]) / Z)
    shown["covered"] = (shown["ci_low"] <= shown["truth"]) & (shown["truth"] <= shown["ci_high"])
    rows = []
    for key, g in shown.groupby(KEYS, sort=True):
        hits, n = int(g["covered"].sum()), len(g)
        low, high = wilson(hits, n)
        rows.append({
            **dict(zip(KEYS, key, strict=True)), "kind": g["outcome_kind"].iloc[0],
            "is_primary_outcome": bool(g["is_primary_outcome"].iloc[0]), "seeds": n,
            "treated_n": g["treated_n"].mean(), "truth": g["truth"].mean(), "estimate": g["estimate"].mean(),
            "bias": g["estimate_error"].mean(), "bias_se": g["estimate_error"].std(ddof=1) / math.sqrt(n) if n > 1
            else float("nan"),
            "rmse": math.sqrt((g["estimate_error"] ** 2).mean()),
            "coverage": hits / n, "coverage_low": low, "coverage_high": high,
            "se_ratio": g["log_error"].std(ddof=1) / g["se"].mean() if n > 1 else float("nan"),
            "excluding_bias": g["excluding_error"].mean(), "naive_bias": g["naive_error"].mean(),
        })
    return pd.DataFrame(rows)


def area_summary(area: pd.DataFrame) -> pd.DataFrame:
    rows = area.dropna(subset=["target", "standard_error"]).copy()
    rows = rows[rows["cohort"] != "all"]
    rows["covered"] = (rows["ci_low"] <= rows["target"]) & (rows["target"] <= rows["ci_high"])
    rows["kind"] = np.where(rows["term"] == "event_time", np.where(rows["event_time"] < 0, "event time, before",
                                                                   "event time, after"), rows["term"])
    out = []
    for (comparison, cohort, kind), g in rows.groupby(["comparison_group", "cohort", "kind"], sort=True):
        hits, n = int(g["covered"].sum()), len(g)
        low, high = wilson(hits, n)
        out.append({"comparison_group": comparison, "cohort": cohort, "rows": kind, "estimates": n,
                    "seeds": g["seed"].nunique(), "bias": (g["att"] - g["target"]).mean(),
                    "coverage": hits / n, "coverage_low": low, "coverage_high": high})
    return pd.DataFrame(out)


def _pct(value: float) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1%}"


def _err(value: float, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:+.1%}" if kind == "binary" else f"{value:+.3f} pts"


def _num(value: float, kind: str) -> str:
    return f"{value:.3f}" if kind == "binary" else f"{value:+.3f}"


def _count(value: float) -> str:
    return "hidden" if pd.isna(value) else f"{value:,.0f}"


def effects_table(summary: pd.DataFrame) -> str:
    lines = ["| activity | outcome | year | seeds | treated (mean) | truth (mean) | estimate (mean) | mean bias "
             "(± 2 SE) | RMSE | coverage (95 % CI) | SE ratio | bias without censoring weights | naive bias |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for _, r in summary.iterrows():
        k = r["kind"]
        headline = (r["activity_code"], int(r["horizon"])) in HEADLINES and r["is_primary_outcome"]
        name = f"**{r['activity_code']}**" if headline else r["activity_code"]
        lines.append(
            f"| {name} | {r['outcome']} | {int(r['horizon'])} | {int(r['seeds'])} | {_count(r['treated_n'])} | "
            f"{_num(r['truth'], k)} | {_num(r['estimate'], k)} | {_err(r['bias'], k)} (± {_err(2 * r['bias_se'], k)[1:]}) | "
            f"{_err(r['rmse'], k)[1:]} | {_pct(r['coverage'])} ({_pct(r['coverage_low'])}-{_pct(r['coverage_high'])}) | "
            f"{r['se_ratio']:.2f} | {_err(r['excluding_bias'], k)} | {_err(r['naive_bias'], k)} |")
    return "\n".join(lines)


def pooled_line(summary: pd.DataFrame, results: pd.DataFrame, label: str, mask: pd.Series) -> str:
    part = summary[mask]
    hits = int(round((part["coverage"] * part["seeds"]).sum()))
    n = int(part["seeds"].sum())
    low, high = wilson(hits, n)
    return f"| {label} | {len(part)} | {n} | {_pct(hits / n if n else float('nan'))} ({_pct(low)}-{_pct(high)}) |"


def area_table(area: pd.DataFrame) -> str:
    lines = ["| comparison | cohort | estimates | seeds | estimates | mean error (per 1,000) | coverage (95 % CI) |",
             "|---|---|---|---:|---:|---:|---:|"]
    for _, r in area.iterrows():
        lines.append(f"| {r['comparison_group']} | {r['cohort']} | {r['rows']} | {int(r['seeds'])} | "
                     f"{int(r['estimates'])} | {r['bias']:+.2f} | {_pct(r['coverage'])} "
                     f"({_pct(r['coverage_low'])}-{_pct(r['coverage_high'])}) |")
    return "\n".join(lines)


def plot(summary: pd.DataFrame, path: Path) -> None:
    rows = summary[summary["is_primary_outcome"] & (summary["subgroup"] == "all")].reset_index(drop=True)
    labels = [f"{r.activity_code} · year {int(r.horizon)}" for r in rows.itertuples()]
    y = np.arange(len(rows))[::-1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.38 * len(rows) + 1.8), sharey=True)
    ratio = rows["kind"] == "binary"
    # One axis for both criteria of the issue: 5 % of an odds ratio, 0.05 points of absence (x 100).
    left.errorbar(rows["bias"].where(ratio) * 100, y, xerr=2 * rows["bias_se"].where(ratio) * 100, fmt="o",
                  color="#1f5fa8", capsize=2, label="published (censoring-weighted): odds ratio, %")
    left.errorbar(rows["bias"].where(~ratio) * 100, y, xerr=2 * rows["bias_se"].where(~ratio) * 100, fmt="s",
                  color="#1f5fa8", capsize=2, markerfacecolor="white", label="published: school absence, points x 100")
    left.plot(rows["excluding_bias"] * 100, y, "x", color="#9e9e9e", label="without censoring weights")
    left.axvline(0, color="black", linewidth=0.8)
    for bound in (-5, 5):
        left.axvline(bound, color="#d1495b", linewidth=0.6, linestyle="--")
    left.set_xlabel("mean bias over the seeds (± 2 SE); dashed: ±5 % (±0.05 points)", fontsize=8)
    low, high = left.get_xlim()
    left.set_xlim(max(low, -40), min(high, 40))
    left.legend(fontsize=7, frameon=False, loc="lower left")
    right.errorbar(rows["coverage"] * 100, y, xerr=[(rows["coverage"] - rows["coverage_low"]) * 100,
                                                     (rows["coverage_high"] - rows["coverage"]) * 100],
                   fmt="o", color="#1f5fa8", capsize=2)
    right.axvspan(93, 97, color="#2a9d5c", alpha=0.15)
    right.axvline(95, color="black", linewidth=0.8)
    right.set_xlim(60, 101)
    right.set_xlabel("coverage of the 95 % intervals, % (band: 93-97 %)", fontsize=8)
    left.set_yticks(y, labels, fontsize=8)
    for ax in (left, right):
        ax.grid(axis="x", linewidth=0.3)
    seeds = int(rows["seeds"].max()) if len(rows) else 0
    fig.suptitle(f"Simulation study: primary outcome of each activity, everybody ({seeds} seeds)", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def render(root: Path, output: Path, plot_path: Path, *, command: str) -> None:
    results = pd.read_csv(root / RESULTS)
    area = pd.read_csv(root / AREA_RESULTS) if (root / AREA_RESULTS).exists() else pd.DataFrame()
    seeds = pd.read_csv(root / SEEDS_LOG)
    scale = float(seeds["scale"].iloc[0])
    summary = summarise(results)
    primary = summary[summary["is_primary_outcome"] & (summary["subgroup"] == "all")]
    headline_mask = summary.apply(lambda r: (r["activity_code"], int(r["horizon"])) in HEADLINES
                                  and r["is_primary_outcome"] and r["subgroup"] == "all", axis=1)
    plot(summary, plot_path)
    try:
        plot_ref = os.path.relpath(plot_path, output.parent)
    except ValueError:
        plot_ref = str(plot_path)
    seed_list = sorted(int(s) for s in seeds["seed"])
    # The revision each seed was refreshed with (a study that is stopped may resume on newer code).
    recorded = seeds["code_revision"].dropna().unique() if "code_revision" in seeds else []
    revisions = ", ".join(f"`{r}`" for r in sorted(recorded)) if len(recorded) else "not recorded"
    lines = [
        "# Validation: the published estimates against the generator's truth",
        "",
        "A simulation study of the whole pipeline, measured by `bench/validate.py` (not part of the test suite;",
        "`tests/integration/test_validation_study.py` runs it on 2 seeds to keep it working). Each seed is a",
        "new synthetic Denmark (`python -m dagster_project refresh --generate`, the real refresh: generator,",
        "raw gates, dbt, mart gates, publish); the published estimates are compared with that seed's truth",
        "(the realized effect on the participants, `dagster_project/reports/truth.py`). Method:",
        "[effects.md](effects.md).",
        "",
        f"- command: `{command}`",
        f"- scale {scale:g}, {len(seed_list)} seeds ({_ranges(seed_list)}), code revision {revisions}, "
        f"written {dt.date.today().isoformat()}",
        f"- run time: {seeds['seconds'].sum() / 3600:.1f} h in all, {seeds['seconds'].median():.0f} s per seed "
        f"(median; {seeds['seconds'].min():.0f}-{seeds['seconds'].max():.0f} s) on the shared 2-core development "
        "machine",
        "",
        "Mean bias: the mean over the seeds of estimate / truth - 1 for odds ratios, of estimate - truth for school",
        "absence (points), with ± 2 standard errors of that mean. RMSE on the same scale. Coverage: the share of",
        "seeds whose 95 % interval holds that seed's truth, with its Wilson 95 % interval (with 50 seeds a",
        "calibrated interval gives 47 or 48 of 50, i.e. 93-97 %, only about half the time: the binomial spread",
        "is ±3 points). SE ratio: the standard deviation of the errors (log odds ratio, or points) over the mean",
        "published standard error, 1 when the intervals are as wide as the estimates' spread around the truth.",
        "Treated (mean): the published counts of treated; \"hidden\" where every seed hides it (a count that,",
        "subtracted from another published count, would give one from 1 to 4: docs/privacy.md).",
        "",
        "## The four headline estimates",
        "",
        effects_table(summary[headline_mask]),
        "",
        f"![bias and coverage per activity and horizon]({plot_ref})",
        "",
        "## Every primary estimate (everybody)",
        "",
        effects_table(primary),
        "",
        "## Coverage pooled over estimates",
        "",
        "| estimates | rows | intervals | coverage (95 % CI) |",
        "|---|---:|---:|---:|",
        pooled_line(summary, results, "the four headline estimates", headline_mask),
        pooled_line(summary, results, "primary outcome, everybody", summary["is_primary_outcome"]
                    & (summary["subgroup"] == "all")),
        pooled_line(summary, results, "primary outcome, by gender", summary["is_primary_outcome"]
                    & (summary["subgroup"] != "all")),
        pooled_line(summary, results, "other outcomes (truth: no effect)", ~summary["is_primary_outcome"]),
        pooled_line(summary, results, "every published estimate", summary["seeds"] > 0),
        "",
        "Rows are pooled as they are: the estimates of one seed are correlated (the same controls), so the pooled",
        "intervals are somewhat too narrow.",
        "",
    ]
    if not area.empty:
        lines += [
            "## Cohort event study: suspicions among 10-14-year-olds",
            "",
            "`rpt_omraade_event_study` (official indicator) against the generator's targets ATT(g, t) per cohort",
            "(`effects.json`, `area_effects`): event-time estimates before and after first funding, and the cohorts'",
            "averages over the years after (`post_average`) and before (`pre_average`, placebo). At small scales a",
            "cohort has few areas (a cohort needs 5 on each side to be estimated), so this is a weak check here;",
            "docs/effects.md gives the check at scale 1.0.",
            "",
            area_table(area_summary(area)),
            "",
        ]
    estimated = sorted(int(s) for s in area["seed"].unique()) if not area.empty else []
    if len(estimated) < len(seed_list):
        lines += [
            f"The event study has estimates in {len(estimated)} of the {len(seed_list)} worlds. In the others no",
            "funding round first funded 5 areas with residents the year before (with 5 never-funded areas then),",
            "the minimum on each side: their event study is empty, as its gate allows, and they add nothing here.",
            "",
        ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines), encoding="utf-8")


def _ranges(values: list[int]) -> str:
    parts, start, prev = [], None, None
    for v in values:
        if start is None:
            start = prev = v
        elif v == prev + 1:
            prev = v
        else:
            parts.append(f"{start}-{prev}" if start != prev else str(start))
            start = prev = v
    if start is not None:
        parts.append(f"{start}-{prev}" if start != prev else str(start))
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=50, help="number of seeds (worlds)")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--root", type=Path, default=REPO_ROOT / "data" / "validation",
                        help="where the worlds and results.csv go")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "docs" / "validation.md")
    parser.add_argument("--plot", type=Path, default=REPO_ROOT / "docs" / "images" / "validation.png")
    parser.add_argument("--nice", type=int, default=10, help="niceness of the refreshes (0: none)")
    parser.add_argument("--keep", action="store_true", help="keep each seed's data directory")
    parser.add_argument("--render", action="store_true", help="only write the page from the results so far")
    args = parser.parse_args(argv)
    args.root.mkdir(parents=True, exist_ok=True)
    command = "uv run python bench/validate.py" + (f" --seeds {args.seeds}" if args.seeds != 50 else "") + (
        f" --scale {args.scale:g}" if args.scale != 0.05 else "") + (
        f" --first-seed {args.first_seed}" if args.first_seed != 1 else "")
    if not args.render:
        done = set(pd.read_csv(args.root / SEEDS_LOG)["seed"]) if (args.root / SEEDS_LOG).exists() else set()
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            if seed in done:
                continue
            seconds = refresh_seed(args.root, seed, args.scale, niceness=args.nice)
            effects, events = seed_rows(args.root / f"seed-{seed}", seed)
            for frame, name in ((effects, RESULTS), (events, AREA_RESULTS)):
                frame.to_csv(args.root / name, mode="a", header=not (args.root / name).exists(), index=False)
            pd.DataFrame([{"seed": seed, "scale": args.scale, "seconds": round(seconds, 1),
                           "code_revision": code_revision()}]).to_csv(
                args.root / SEEDS_LOG, mode="a", header=not (args.root / SEEDS_LOG).exists(), index=False)
            print(f"seed {seed}: refreshed in {seconds:.0f} s", flush=True)
            if not args.keep:
                shutil.rmtree(args.root / f"seed-{seed}", ignore_errors=True)
    render(args.root, args.output, args.plot, command=command)
    print(f"wrote {args.output} and {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
