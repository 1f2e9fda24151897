"""BENCHMARKS.md and the plot of time against scale, from the figures the measurement
wrote (``bench/measured/benchmark.json``). Nothing here measures: ``figures`` and
``render`` are pure functions of the results; ``plot_scales`` and ``write_outputs`` only
write files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.measure import REFRESH_STAGES, SAMPLE_SECONDS
from bench.sources import _size

REPO_ROOT = Path(__file__).resolve().parent.parent

# The open issues' targets on the 2-core machine, each at the scale its issue names:
# orchestration (12) and gate cost (14) at scale 1.0, one machine at scale 10 (18).
TARGET_RUNS = 8
TARGET_ORCHESTRATION_SHARE = 0.10
TARGET_DBT_OVER_FLOOR = 1.3
TARGET_INCREMENTAL_SHARE = 0.10
TARGET_GATE_SHARE = 0.15
TARGET_SCALE10_REFRESH_SECONDS = 25 * 60
TARGET_SCALE10_PEAK_BYTES = 20 * 10**9  # "20 GB"; _size prints GiB, which is stricter


def figures(run: dict[str, Any]) -> dict[str, Any]:
    """The derived figures of one scale: stage times, shares, ratios."""
    refresh, incremental, floor = (run["stages"][k] for k in ("refresh", "incremental", "floor"))
    absent = {"seconds": 0.0, "peak_rss_bytes": None}  # a stage figures measured before it existed lack
    stages = {s: refresh["stages"].get(s, absent) for s in REFRESH_STAGES}
    details = refresh["details"]
    total = details["wall_seconds"]
    dbt_tests = (details.get("dbt") or {}).get("execution_seconds", {}).get("test", 0.0)
    gates = stages["raw gates"]["seconds"] + stages["mart gates"]["seconds"] + details["privacy_gate_seconds"]
    f = floor["floor"]
    floor_dbt = f["models_seconds"] + f["dbt_tests_seconds"]
    return {
        "scale": run["scale"],
        "generate_seconds": run["stages"]["generate"]["wall_seconds"],
        "generate_peak": run["stages"]["generate"]["peak_rss_bytes"],
        "refresh_seconds": total,
        "refresh_peak": _peak(refresh),
        "incremental_seconds": incremental["details"]["wall_seconds"],
        # Sampled only: the child's high-water mark would include the comparison run after it.
        "incremental_peak": incremental["details"].get("sampled_peak_rss_bytes") or _peak(incremental),
        "stages": stages,
        "incremental_stages": {s: incremental["stages"].get(s, absent) for s in REFRESH_STAGES},
        "gates_seconds": gates,
        "gate_share": gates / total,
        "gate_share_with_dbt_tests": (gates + dbt_tests) / total,
        "dbt_tests_seconds": dbt_tests,
        "floor_models_seconds": f["models_seconds"],
        "floor_dbt_seconds": floor_dbt,
        "dbt_over_floor": stages["dbt"]["seconds"] / floor_dbt,
        "floor_raw_gates_seconds": f["raw_gates_seconds"],
        "floor_mart_gates_seconds": f["mart_gates_seconds"],
        "incremental_share": incremental["details"]["wall_seconds"] / total,
        "runs": details["runs"],
        "incremental_runs": incremental["details"]["runs"],
        # Time in which no ingest, gate, dbt, publish or other step ran (measure.attribute).
        "orchestration_share": stages["orchestration"]["seconds"] / total,
        "incremental_orchestration_share": (incremental["stages"].get("orchestration", absent)["seconds"]
                                            / incremental["details"]["wall_seconds"]),
        "overlap_seconds": details.get("overlap_seconds", 0.0),
        # the warehouse refresh rebuilding everything, measured right after the incremental one
        "rebuild_all_seconds": (incremental.get("rebuild_all") or {}).get("details", {}).get("wall_seconds"),
    }


def _peak(stage: dict[str, Any]) -> int:
    """A refresh's peak memory: the highest of the kernel's high-water mark of any one
    process and the sampled sum over the process tree (the refresh and dbt at once)."""
    return max(stage["peak_rss_bytes"], stage["details"].get("sampled_peak_rss_bytes", 0))


def _rebuilt(details: dict[str, Any]) -> str:
    rebuilt = details.get("refreshed_assets", "all")
    return "all of refresh_warehouse" if rebuilt == "all" else f"{len(rebuilt)} downstream of the file"


def _s(seconds: float) -> str:
    return f"{seconds:,.1f} s" if seconds < 600 else f"{seconds:,.0f} s ({seconds / 60:.1f} min)"


def _busy(stage: dict[str, Any]) -> str:
    busy = stage.get("busy_seconds")
    return "" if busy is None else _s(busy)


def _gb(n: int | None) -> str:
    return "" if n is None else _size(n)


def render(results: dict[str, Any], plot: Path, command: str) -> str:
    runs = sorted(results["runs"], key=lambda r: r["scale"])
    figs = [figures(r) for r in runs]
    m = results["machine"]
    out: list[str] = []
    add = out.append
    add("# Benchmarks\n")
    add("What a refresh of the warehouse costs, how it grows with the size of the data, and how close the "
        "orchestration (Dagster, dbt, Great Expectations) comes to what DuckDB alone does with the same SQL. "
        "Every figure below was measured by `bench/refresh.py` (issue 7) and written into this file by it; "
        "the raw figures are in `bench/measured/benchmark.json`.\n")
    minutes = sum(r["stages"][s]["wall_seconds"] for r in runs
                  for s in ("generate", "refresh", "floor", "incremental")) / 60
    add(f"Reproduce (about {minutes:.0f} minutes on this machine):\n")
    add(f"```bash\n{command}\n```\n")
    add("## Machine\n")
    add("| | |\n|---|---|")
    add(f"| CPU | {m['cpu']}, {m['cores']} cores |")
    add(f"| memory | {_size(m['memory_bytes'])} (shared with other work) |")
    add(f"| system | {m['system']}, Python {m['python']} |")
    add("| versions | " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + " |")
    add(f"| code | revision `{m['code_revision']}`, measured {m['date']} |")
    add("")
    add("The machine is shared with other engineers' builds and tests; `uptime` just before each stage:\n")
    add("| scale | stage | uptime |\n|---|---|---|")
    for r in runs:
        for stage, text in r["uptime"].items():
            add(f"| {r['scale']:g} | {stage} | `{text}` |")
    add("")
    add("## Full refresh by stage\n")
    add("Wall time and peak resident memory (the refresh process and the dbt it starts, sampled every "
        f"{SAMPLE_SECONDS} s) of each stage. The stages of the refresh add up to its wall time. "
        "*ingest* is the readers and the Parquet writes (with the landing files' checksums); *raw gates* the "
        "raw expectation suites and their Data Docs pages; *dbt* the `dbt build` step (models, seeds and dbt "
        "tests, and the lineage metadata); *mart gates* the mart expectation suites; *publish* the new "
        "version with its privacy gates; *other steps* any other asset of the warehouse job (a report "
        "rendered from the marts); *orchestration* the wall time in which none of these ran: the command's "
        "start-up, `dbt parse`, the landing inventory, run workers starting and ending, Dagster's per-step work "
        "and event storage, input fingerprints, the Data Docs index. The refresh is about 7 Dagster runs "
        "(each partitioned raw source ingests all its partitions in one run), two at a time: where stages "
        "overlap, each moment is split equally among the stages running then, so the stages add up to the wall "
        "time; *busy* is a stage's own time summed over the runs (it may exceed its share when runs overlap).\n")
    header = "| stage | " + " | ".join(f"scale {f['scale']:g}: time | busy | peak" for f in figs) + " |"
    add(header)
    add("|---|" + "---:|---:|---:|" * len(figs))
    add("| generate (not part of the refresh) | " + " | ".join(
        f"{_s(f['generate_seconds'])} | | {_gb(f['generate_peak'])}" for f in figs) + " |")
    for stage in REFRESH_STAGES:
        add(f"| {stage} | " + " | ".join(
            f"{_s(f['stages'][stage]['seconds'])} | {_busy(f['stages'][stage])} | "
            f"{_gb(f['stages'][stage]['peak_rss_bytes'])}" for f in figs) + " |")
    add("| **full refresh** | " + " | ".join(
        f"**{_s(f['refresh_seconds'])}** | | **{_gb(f['refresh_peak'])}**" for f in figs) + " |")
    add("| Dagster runs; orchestration share | " + " | ".join(
        f"{f['runs']} runs | | {f['orchestration_share']:.1%}" for f in figs) + " |")
    add("| **incremental** (one new registrations file) | " + " | ".join(
        f"**{_s(f['incremental_seconds'])}** | | **{_gb(f['incremental_peak'])}**" for f in figs) + " |")
    add("| incremental: Dagster runs; orchestration share; of the full refresh | " + " | ".join(
        f"{f['incremental_runs']} runs | {f['incremental_orchestration_share']:.1%} | {f['incremental_share']:.1%}"
        for f in figs) + " |")
    if any(f["rebuild_all_seconds"] for f in figs):
        add("| for comparison: the warehouse refresh rebuilding everything, right after | " + " | ".join(
            f"{_s(f['rebuild_all_seconds'])} | | " if f["rebuild_all_seconds"] else " | | " for f in figs) + " |")
    add("")
    add("Peak memory of the whole refresh is the higher of the kernel's high-water mark of one process "
        "(`getrusage`: the refresh or its largest child) and the highest sample of the process tree (the "
        "refresh and dbt together); a stage's peak is the highest sample while it ran. Python keeps memory "
        "it has freed, so a stage's figure includes what earlier stages left allocated.\n")
    add(f"![time against scale]({plot.as_posix()})\n")
    add("## Against the floor\n")
    add("The floor is the same work as plain SQL in one DuckDB connection to a new database file: the seeds, "
        "every model's SQL as dbt compiled it in the refresh (from the run's `manifest.json`, in dependency "
        "order, a view or a table as dbt materializes it), the dbt tests' compiled SQL, and every expectation of "
        "the raw and mart suites as one aggregate query per raw partition or mart suite, over the same Parquet "
        "files and tables with the same parameters.\n")
    add("| | " + " | ".join(f"scale {f['scale']:g}" for f in figs) + " |")
    add("|---|" + "---:|" * len(figs))
    add("| dbt step, orchestrated | " + " | ".join(_s(f["stages"]["dbt"]["seconds"]) for f in figs) + " |")
    add("| floor: models | " + " | ".join(_s(f["floor_models_seconds"]) for f in figs) + " |")
    add("| floor: models and dbt tests | " + " | ".join(_s(f["floor_dbt_seconds"]) for f in figs) + " |")
    add("| **dbt / floor** | " + " | ".join(f"**{f['dbt_over_floor']:.2f}x**" for f in figs) + " |")
    add("| raw gates, orchestrated (GX + Data Docs page) | " + " | ".join(
        _s(f["stages"]["raw gates"]["seconds"]) for f in figs) + " |")
    add("| floor: raw gates as SQL aggregates | " + " | ".join(_s(f["floor_raw_gates_seconds"]) for f in figs) + " |")
    add("| mart gates, orchestrated | " + " | ".join(_s(f["stages"]["mart gates"]["seconds"]) for f in figs) + " |")
    add("| floor: mart gates as SQL aggregates | " + " | ".join(
        _s(f["floor_mart_gates_seconds"]) for f in figs) + " |")
    add("")
    add("## Targets\n")
    add("Each at the scale its issue names (orchestration and gate cost: scale 1.0; one machine: scale 10), "
        "measured in the run above; later runs of one scale are in the notes below (\"Targets missed\").\n")
    add("| scale | target | measured | |\n|---|---|---|---|")

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    for f in figs:
        scale = f"{f['scale']:g}"
        if f["scale"] == 1.0:
            add(f"| {scale} | at most {TARGET_RUNS} Dagster runs | {f['runs']} | {verdict(f['runs'] <= TARGET_RUNS)} |")
            add(f"| {scale} | orchestration at most {TARGET_ORCHESTRATION_SHARE:.0%} of the full refresh | "
                f"{f['orchestration_share']:.1%} | {verdict(f['orchestration_share'] <= TARGET_ORCHESTRATION_SHARE)} |")
            add(f"| {scale} | dbt step at most {TARGET_DBT_OVER_FLOOR}x its floor | {f['dbt_over_floor']:.2f}x | "
                f"{verdict(f['dbt_over_floor'] <= TARGET_DBT_OVER_FLOOR)} |")
            add(f"| {scale} | incremental at most {TARGET_INCREMENTAL_SHARE:.0%} of the full refresh | "
                f"{f['incremental_share']:.1%} | {verdict(f['incremental_share'] <= TARGET_INCREMENTAL_SHARE)} |")
            add(f"| {scale} | gates at most {TARGET_GATE_SHARE:.0%} of the full refresh | {f['gate_share']:.1%} "
                f"(raw {_s(f['stages']['raw gates']['seconds'])}, mart {_s(f['stages']['mart gates']['seconds'])}, "
                f"privacy {_s(f['gates_seconds'] - f['stages']['raw gates']['seconds'] - f['stages']['mart gates']['seconds'])}); "
                f"{f['gate_share_with_dbt_tests']:.1%} counting the dbt tests' summed execution time "
                f"({_s(f['dbt_tests_seconds'])}) | {verdict(f['gate_share'] <= TARGET_GATE_SHARE)} |")
        if f["scale"] == 10.0:
            add(f"| {scale} | full refresh within 25 min | {_s(f['refresh_seconds'])} | "
                f"{verdict(f['refresh_seconds'] <= TARGET_SCALE10_REFRESH_SECONDS)} |")
            add(f"| {scale} | peak memory within 20 GB | {_size(f['refresh_peak'])} | "
                f"{verdict(f['refresh_peak'] <= TARGET_SCALE10_PEAK_BYTES)} |")
    if len(figs) > 1:
        steps = []
        ok = True
        for a, b in zip(figs, figs[1:]):
            growth = b["refresh_seconds"] / a["refresh_seconds"]
            ok &= growth <= b["scale"] / a["scale"]
            steps.append(f"{a['scale']:g} to {b['scale']:g}: x{b['scale'] / a['scale']:.1f} data, x{growth:.2f} time")
        add(f"| all | time growing no faster than linearly | {'; '.join(steps)} | {verdict(ok)} |")
    add("")
    add("## Details\n")
    add("| | " + " | ".join(f"scale {r['scale']:g}" for r in runs) + " |")
    add("|---|" + "---:|" * len(runs))
    rows = [
        ("person-years generated", lambda r: f"{r['stages']['generate']['notes']['person_years']:,}"),
        ("raw rows gated", lambda r: f"{r['stages']['refresh']['details']['raw_rows']:,}"),
        ("Dagster runs in the full refresh", lambda r: ", ".join(
            f"{job} {_s(sec)}" for job, sec in r['stages']['refresh']['details'].get('run_seconds', {}).items())
            or str(r['stages']['refresh']['details']['runs'])),
        ("refresh command before its first run (start-up, dbt parse, inventory)",
         lambda r: _s(r['stages']['refresh']['details'].get('before_first_run_seconds', 0.0))),
        ("raw partitions gated / unchanged", lambda r: "{} / {}".format(
            r['stages']['refresh']['details'].get('raw_partitions_gated', ''),
            r['stages']['refresh']['details'].get('raw_partitions_unchanged', ''))),
        ("time two runs' stages overlapped", lambda r: _s(r['stages']['refresh']['details'].get('overlap_seconds',
                                                                                                0.0))),
        ("reader / Parquet write", lambda r: f"{_s(r['stages']['refresh']['details']['read_seconds'])} / "
                                             f"{_s(r['stages']['refresh']['details']['write_seconds'])}"),
        ("GX validation / Data Docs pages (raw)",
         lambda r: f"{_s(r['stages']['refresh']['details']['gate_seconds'])} / "
                   f"{_s(r['stages']['refresh']['details']['data_docs_seconds'])}"),
        ("dbt's own elapsed time", lambda r: _s((r['stages']['refresh']['details'].get('dbt') or {})
                                                .get('elapsed_seconds') or 0.0)),
        ("dbt nodes run", lambda r: ", ".join(f"{v} {k}s" for k, v in sorted(
            ((r['stages']['refresh']['details'].get('dbt') or {}).get('nodes') or {}).items()))),
        ("privacy gates (in publish)", lambda r: _s(r['stages']['refresh']['details']['privacy_gate_seconds'])),
        ("other steps", lambda r: ", ".join(
            f"{k} {_s(v)}" for k, v in r['stages']['refresh']['details']['other_steps'].items()) or "none"),
        ("floor: failing checks (should be 0)", lambda r: "dbt tests {}, raw {}, mart {}".format(
            r['stages']['floor']['floor']['dbt_test_failures'],
            r['stages']['floor']['floor']['raw_gates']['failed'] + r['stages']['floor']['floor']['raw_gates']['errored'],
            r['stages']['floor']['floor']['mart_gates']['failed'] + r['stages']['floor']['floor']['mart_gates']['errored'])),
        ("incremental: file landed", lambda r: f"`{r['stages']['incremental']['details']['landed_file']}`"),
        ("incremental: runs", lambda r: ", ".join(
            f"{job} {_s(sec)}" for job, sec in r['stages']['incremental']['details'].get('run_seconds', {}).items())),
        ("incremental: warehouse assets rebuilt", lambda r: _rebuilt(r['stages']['incremental']['details'])),
        ("incremental: " + " / ".join(REFRESH_STAGES),
         lambda r: " / ".join(_s(figures(r)["incremental_stages"][s]["seconds"]) for s in REFRESH_STAGES)),
    ]
    for label, value in rows:
        add(f"| {label} | " + " | ".join(value(r) for r in runs) + " |")
    add("")
    # Spark against DuckDB, measured apart by bench/engines.py.
    engines = REPO_ROOT / "bench" / "measured" / "engines.json"
    if engines.is_file():
        from bench.engines import marked_section

        add(marked_section(json.loads(engines.read_text(encoding="utf-8"))))
    notes = REPO_ROOT / "bench" / "benchmark_notes.md"
    if notes.is_file():
        add(notes.read_text(encoding="utf-8").strip() + "\n")
    return "\n".join(out)


def plot_scales(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = [figures(r) for r in sorted(results["runs"], key=lambda r: r["scale"])]
    scales = [f["scale"] for f in figs]
    fig, ax = plt.subplots(figsize=(9, 5), dpi=110)
    ax.plot(scales, [f["refresh_seconds"] for f in figs], "o-", linewidth=2.5, color="black", label="full refresh")
    colors = dict(zip(REFRESH_STAGES, ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:olive", "tab:cyan",
                                       "tab:brown"), strict=True))
    for stage in REFRESH_STAGES:
        values = [f["stages"][stage]["seconds"] for f in figs]
        if any(v > 0.05 for v in values):  # a stage this code does not have is left out
            ax.plot(scales, [max(v, 0.05) for v in values], "o-", linewidth=1, color=colors[stage], label=stage)
    ax.plot(scales, [f["floor_dbt_seconds"] for f in figs], "s--", color="tab:green", alpha=0.6,
            label="floor: dbt's SQL in DuckDB alone")
    ax.plot(scales, [f["floor_raw_gates_seconds"] for f in figs], "s--", color="tab:orange", alpha=0.6,
            label="floor: raw gates as SQL")
    ax.plot(scales, [f["incremental_seconds"] for f in figs], "^-", linewidth=2, color="tab:purple",
            label="incremental refresh")
    if len(figs) > 1:
        first = figs[0]
        ax.plot(scales, [first["refresh_seconds"] * s / first["scale"] for s in scales], ":", color="black",
                label="linear in scale (from the smallest)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(scales, [f"{s:g}" for s in scales])
    ax.set_xlabel("scale (1.0 = Denmark)")
    ax.set_ylabel("wall time (s)")
    ax.set_title(f"Refresh time against scale ({results['machine']['cores']} cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def write_outputs(results: dict[str, Any], output: Path, plot: Path, command: str) -> None:
    plot_scales(results, plot)
    try:
        shown = plot.resolve().relative_to(output.resolve().parent)
    except ValueError:
        shown = plot.resolve()
    output.write_text(render(results, shown, command), encoding="utf-8")


