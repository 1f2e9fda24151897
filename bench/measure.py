"""Measurement of whole refreshes (issue 7, issue 12): each stage in a child process of
``bench/refresh.py`` (``bench/sources.py`` runs it and measures wall time and peak RSS),
the refresh's stages read from the Dagster event log afterwards.

- ``refresh``: ``python -m dagster_project refresh`` as a subprocess, exactly as a data
  engineer runs it: the landing inventory, then about 7 Dagster runs of the code
  location's jobs (automation/plan.py: the unpartitioned sources in one run, each
  partitioned source over all its partitions in one run, then ``refresh_warehouse``),
  at most two at a time.
- ``incremental``: the held-back registrations file lands; ``landing_sensor`` is
  evaluated once, the runs it requests are launched through the code location (as the
  daemon would), and after each successful run ``refresh_chain`` is evaluated and the
  runs it requests are launched, until it says the refresh is done (the daemon's
  polling intervals are not counted). Then, for comparison under the same load, a
  ``refresh_warehouse`` run of everything (not counted in the incremental).

Stage timings, from the event logs of the runs (``collect_runs``, then the pure
``stage_intervals`` and ``attribute``):

- *ingest* and *raw gates*: each raw partition's AssetMaterialization carries its
  ``read_seconds``, ``gate_seconds``, ``data_docs_seconds`` and ``write_seconds``
  (sources/ingest.py); the partition ends at its event, so its phases are placed
  backwards from it. All partitions of a source are in one step of one run.
- *dbt*: the ``dbt_models`` step (start to success); *mart gates*: steps with check
  evaluations and no materialization (the mart suites, the list check); *publish*: the
  ``published_warehouse`` step (its privacy gates are in its check's ``seconds``);
  *other steps*: any other step (the reports).
- *orchestration*: the wall time in which none of the above ran: the command's start-up,
  ``dbt parse``, the landing inventory, run workers starting and ending, Dagster's
  per-step work and event storage, the Data Docs index.

Two runs go at once, so stages overlap in time. ``attribute`` splits every moment of the
wall time equally among the intervals active then (the stages then add up to the wall
time exactly) and also returns each stage's busy time (the sum of its intervals).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from bench.floor import stage_floor
from bench.sources import STAGES as SOURCE_STAGES
from bench.sources import Env, _run_in_child, _size

REPO_ROOT = Path(__file__).resolve().parent.parent
HELD_BACK_DIR = "held_back"
SAMPLE_SECONDS = 0.2
POLL_SECONDS = 0.5

# Stages of a refresh as the table shows them; they add up to the refresh's wall time.
WORK_STAGES = ("ingest", "raw gates", "dbt", "mart gates", "publish", "other steps")
REFRESH_STAGES = (*WORK_STAGES, "orchestration")
RAW_PHASES = ("read_seconds", "gate_seconds", "data_docs_seconds", "write_seconds")  # in the order they run
PHASE_STAGE = {"read_seconds": "ingest", "gate_seconds": "raw gates", "data_docs_seconds": "raw gates",
               "write_seconds": "ingest"}
DBT_STEP = "dbt_models"
PUBLISH_STEP = "published_warehouse"
VERSIONS = ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "great-expectations", "pandas",
            "pyarrow", "matplotlib")


# --------------------------------------------------------------------------- memory


def _process_tree_rss(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, in bytes (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            # The command name may hold spaces: fields start after its closing parenthesis.
            fields = stat[stat.rindex(b")") + 2:].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * page
        except (OSError, ValueError, IndexError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


class MemorySampler(threading.Thread):
    """Samples the process tree's RSS; ``peak(windows)`` is the highest sample within them."""

    def __init__(self, interval: float = SAMPLE_SECONDS):
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        pid = os.getpid()
        while True:
            self.samples.append((time.time(), _process_tree_rss(pid)))
            if self._stop_event.wait(self.interval):
                return

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def peak(self, windows: Iterable[tuple[float, float]]) -> int:
        best = 0
        for start, end in windows:
            inside = [r for t, r in self.samples if start <= t <= end]
            if not inside:  # a window shorter than the interval: the next sample after it began
                inside = [r for t, r in self.samples if t >= start][:1]
            best = max([best, *inside])
        return best


# --------------------------------------------------------------------------- event log


def _run_ids_since(instance, since: float) -> list[str]:
    import dagster as dg

    records = instance.get_run_records(filters=dg.RunsFilter(created_after=dt.datetime.fromtimestamp(since, dt.UTC)))
    return [r.dagster_run.run_id for r in sorted(records, key=lambda r: r.create_timestamp)]


def _plain(value: Any) -> Any:
    value = getattr(value, "value", value)
    return value if isinstance(value, (int, float, str, bool)) or value is None else str(value)


def collect_runs(instance, run_ids: Sequence[str]) -> list[dict[str, Any]]:
    """What the analysis needs of each run's event log, as plain data (kept in the results,
    so the figures can be derived again): the run's job, status, first and last event,
    and per step its start, end, raw materializations (with their timings) and checks."""
    import dagster as dg

    runs = []
    for run_id in run_ids:
        run = instance.get_run_by_id(run_id)
        logs = instance.all_logs(run_id)
        steps: dict[str, dict[str, Any]] = {}
        for entry in logs:
            event = entry.dagster_event
            if event is None or not entry.step_key:
                continue
            step = steps.setdefault(entry.step_key, {"key": entry.step_key, "start": None, "end": None,
                                                     "materializations": 0, "raw": [], "checks": []})
            kind = event.event_type
            if kind == dg.DagsterEventType.STEP_START:
                step["start"] = entry.timestamp
            elif kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
                step["end"] = entry.timestamp
            elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
                step["materializations"] += 1
                meta = event.event_specific_data.materialization.metadata
                if "gate_seconds" in meta or "unchanged_since_run" in meta:
                    step["raw"].append({"at": entry.timestamp, **{k: _plain(meta[k]) for k in
                                        (*RAW_PHASES, "dagster/row_count", "unchanged_since_run") if k in meta}})
            elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
                data = event.event_specific_data
                step["checks"].append({"check": data.asset_check_key.to_user_string(), "passed": data.passed,
                                       "seconds": _plain(data.metadata.get("seconds"))})
        runs.append({"run_id": run_id, "job": run.job_name if run else None,
                     "status": run.status.value if run else None,
                     "start": logs[0].timestamp if logs else None, "end": logs[-1].timestamp if logs else None,
                     "steps": list(steps.values())})
    return runs


def stage_intervals(runs: Sequence[dict[str, Any]]) -> tuple[list[tuple[float, float, str]], dict[str, Any]]:
    """The intervals (start, end, stage) in which the runs did each stage's work, and the
    details the report shows. Pure: a function of ``collect_runs``' data."""
    intervals: list[tuple[float, float, str]] = []
    details: dict[str, Any] = {
        "runs": len(runs), "run_jobs": [r["job"] for r in runs], "raw_steps": 0, "raw_partitions_gated": 0,
        "raw_partitions_unchanged": 0, "raw_rows": 0, "privacy_gate_seconds": 0.0, "mart_checks": 0,
        "other_steps": {}, "run_seconds": {}, **{k: 0.0 for k in RAW_PHASES}}
    for run in runs:
        if run["start"] is not None:
            label = run["job"]
            details["run_seconds"][label] = details["run_seconds"].get(label, 0.0) + run["end"] - run["start"]
        for step in run["steps"]:
            start, end = step["start"], step["end"]
            if start is None or end is None:
                continue
            if step["raw"]:
                details["raw_steps"] += 1
                for m in step["raw"]:
                    details["raw_rows"] += int(m.get("dagster/row_count") or 0)
                    if "unchanged_since_run" in m:
                        details["raw_partitions_unchanged"] += 1
                        continue
                    details["raw_partitions_gated"] += 1
                    at = m["at"]
                    for phase in reversed(RAW_PHASES):  # backwards from the partition's event
                        length = float(m.get(phase) or 0.0)
                        details[phase] += length
                        if length > 0:
                            intervals.append((max(start, at - length), at, PHASE_STAGE[phase]))
                        at -= length
            elif step["key"] == DBT_STEP:
                intervals.append((start, end, "dbt"))
                details.setdefault("dbt_run_ids", []).append(run["run_id"])
            elif step["key"] == PUBLISH_STEP:
                details["privacy_gate_seconds"] += sum(float(c["seconds"] or 0.0) for c in step["checks"])
                intervals.append((start, end, "publish"))
            elif step["checks"] and not step["materializations"]:
                intervals.append((start, end, "mart gates"))
                details["mart_checks"] += len(step["checks"])
            else:
                intervals.append((start, end, "other steps"))
                details["other_steps"][step["key"]] = details["other_steps"].get(step["key"], 0.0) + end - start
    return intervals, details


def attribute(intervals: Iterable[tuple[float, float, str]], wall: tuple[float, float],
              stages: Sequence[str] = WORK_STAGES) -> dict[str, dict[str, float]]:
    """Wall time per stage: every moment of ``wall`` is split equally among the intervals
    active then; a moment without any is orchestration. Also each stage's busy time (the
    sum of its intervals, which may exceed the wall time when runs overlap) and the time
    two or more intervals overlapped. Pure."""
    begin, finish = wall
    clipped = [(max(s, begin), min(e, finish), k) for s, e, k in intervals if min(e, finish) > max(s, begin)]
    edges = sorted({begin, finish, *(s for s, _, _ in clipped), *(e for _, e, _ in clipped)})
    share = dict.fromkeys([*stages, "orchestration"], 0.0)
    overlapped = 0.0
    for a, b in zip(edges, edges[1:]):
        active = [k for s, e, k in clipped if s <= a and e >= b]
        if not active:
            share["orchestration"] += b - a
            continue
        if len(active) > 1:
            overlapped += b - a
        for k in active:
            share[k] += (b - a) / len(active)
    busy = dict.fromkeys(stages, 0.0)
    for s, e, k in clipped:
        busy[k] += e - s
    return {"wall": share, "busy": busy, "overlap_seconds": overlapped}


def analyse(runs: Sequence[dict[str, Any]], wall: tuple[float, float], sampler: "MemorySampler | None" = None,
            dbt_target_root: Path | None = None) -> dict[str, Any]:
    """Stage timings (and peak memory) of a sequence of runs: ``{"stages": {stage: {"seconds",
    "busy_seconds", "peak_rss_bytes"}}, "details": {...}, "runs": [...]}``; the stages'
    seconds add up to ``wall`` (start, end in epoch seconds)."""
    intervals, details = stage_intervals(runs)
    split = attribute(intervals, wall)
    total = wall[1] - wall[0]
    details["wall_seconds"] = total
    details["overlap_seconds"] = split["overlap_seconds"]
    details["orchestration_share"] = split["wall"]["orchestration"] / total if total else 0.0
    started = [r["start"] for r in runs if r["start"] is not None]
    details["before_first_run_seconds"] = (min(started) - wall[0]) if started else total
    if dbt_target_root is not None and details.get("dbt_run_ids"):
        details["dbt"] = _dbt_details(dbt_target_root, details["dbt_run_ids"][-1])
    stages: dict[str, dict[str, Any]] = {}
    for stage in REFRESH_STAGES:
        windows = [(s, e) for s, e, k in intervals if k == stage]
        stages[stage] = {"seconds": split["wall"][stage], "busy_seconds": split["busy"].get(stage),
                         "peak_rss_bytes": sampler.peak(windows) if sampler and windows else None}
    if sampler:
        stages["orchestration"]["peak_rss_bytes"] = sampler.peak([wall])
        details["sampled_peak_rss_bytes"] = max((r for _, r in sampler.samples), default=0)
    return {"stages": stages, "details": details, "runs": runs}


def _dbt_details(target_root: Path, run_id: str) -> dict[str, Any]:
    """dbt's own account of the build in run ``run_id``: its target directory (compiled SQL,
    manifest), elapsed time, and the summed execution time of models and tests."""
    targets = sorted(target_root.glob(f"dbt_models-{run_id[:7]}-*"))
    if not targets or not (targets[-1] / "run_results.json").is_file():
        return {}
    target = targets[-1]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    by_type: dict[str, float] = {}
    count: dict[str, int] = {}
    for r in results["results"]:
        kind = r["unique_id"].split(".", 1)[0]
        by_type[kind] = by_type.get(kind, 0.0) + (r.get("execution_time") or 0.0)
        count[kind] = count.get(kind, 0) + 1
    return {"target": str(target), "elapsed_seconds": results.get("elapsed_time"),
            "execution_seconds": by_type, "nodes": count}




# --------------------------------------------------------------------------- stages


def stage_refresh(env: Env) -> dict:
    """The full refresh: `python -m dagster_project refresh`, as a subprocess."""
    import dagster as dg

    from dagster_project.settings import DBT_PROJECT_DIR

    log = env.data_dir / "refresh.log"
    sampler = MemorySampler()
    sampler.start()
    started = time.time()
    try:
        with open(log, "w", encoding="utf-8") as out:
            code = subprocess.run([sys.executable, "-m", "dagster_project", "refresh"], cwd=REPO_ROOT,
                                  stdout=out, stderr=subprocess.STDOUT).returncode
    finally:
        ended = time.time()
        sampler.stop()
    if code != 0:
        raise RuntimeError(f"refresh failed (exit code {code}); see {log}")
    with dg.DagsterInstance.get() as instance:
        runs = collect_runs(instance, _run_ids_since(instance, started))
    result = analyse(runs, (started, ended), sampler, DBT_PROJECT_DIR / "target")
    result["details"]["log"] = str(log)
    return result


def _wait(instance, run_ids: Iterable[str], *, first: bool = False) -> dict[str, Any]:
    """Wait until the runs end (``first``: until one of them ends); their final DagsterRun each."""
    import dagster as dg

    finished = (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)
    pending, done = set(run_ids), {}
    while pending:
        time.sleep(POLL_SECONDS)
        for run_id in list(pending):
            run = instance.get_run_by_id(run_id)
            if run is not None and run.status in finished:
                done[run_id] = run
                pending.discard(run_id)
        if first and done:
            break
    return done


def _start(launcher, request) -> Any:
    """Launch a sensor's RunRequest through the code location, as the daemon would."""
    from dagster_project.automation.plan import PlannedRun

    selection = tuple(k.to_user_string() for k in request.asset_selection) if request.asset_selection else None
    return launcher.start(PlannedRun(request.job_name, (), asset_selection=selection, tags=dict(request.tags)), {})


def follow_sensors(instance, launcher, repository, warehouse, first_requests: Sequence[Any],
                   progress=print) -> list[str]:
    """The refresh a landing starts, carried on as refresh_chain does: launch the requests,
    and when a run succeeds evaluate refresh_chain for it and launch what it requests
    (each run key once, as the daemon does). Returns the run ids in launch order."""
    import dagster as dg

    from dagster_project.automation.sensors import refresh_chain

    launched: list[str] = []
    keys: set[str] = set()
    running: set[str] = set()

    def launch(requests: Iterable[Any]) -> None:
        for request in requests:
            if request.run_key in keys:
                continue
            keys.add(request.run_key)
            run = _start(launcher, request)
            progress(f"[bench] incremental: started {request.job_name} (run {run.run_id[:8]})")
            launched.append(run.run_id)
            running.add(run.run_id)

    launch(first_requests)
    while running:
        for run_id, run in _wait(instance, list(running), first=True).items():
            running.discard(run_id)
            if run.status != dg.DagsterRunStatus.SUCCESS:
                raise RuntimeError(f"incremental: run {run_id} ({run.job_name}) ended {run.status.value}")
            [success] = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)
            with dg.build_run_status_sensor_context(
                    sensor_name="refresh_chain", dagster_event=success.dagster_event, dagster_instance=instance,
                    dagster_run=run, resources={"warehouse": warehouse}, repository_def=repository) as context:
                answer = refresh_chain(context)
            if isinstance(answer, dg.SkipReason):
                progress(f"[bench] incremental: refresh_chain after {run.job_name}: {answer.skip_message}")
                continue
            launch(answer if isinstance(answer, list) else [answer])
    return launched


def stage_incremental(env: Env) -> dict:
    """One registrations file lands: landing_sensor's tick, the ingestion run(s) it
    requests, and what refresh_chain requests after them (refresh_warehouse, downstream of
    the file). Then a refresh_warehouse run of everything for comparison."""
    import dagster as dg

    from dagster_project.automation.jobs import WAREHOUSE_JOB
    from dagster_project.automation.launch import Launcher
    from dagster_project.automation.plan import SCOPE_TAG, TRIGGER_TAG, PlannedRun
    from dagster_project.automation.sensors import landing_sensor
    from dagster_project.cli import ensure_dagster_home
    from dagster_project.definitions import defs
    from dagster_project.resources import WarehouseResource
    from dagster_project.settings import DBT_PROJECT_DIR

    held = sorted((env.data_dir / HELD_BACK_DIR).rglob("*.csv"))
    if len(held) != 1:
        raise RuntimeError(f"expected one held-back registrations file in {env.data_dir / HELD_BACK_DIR}, found {held}")
    relative = held[0].relative_to(env.data_dir / HELD_BACK_DIR)
    ensure_dagster_home()
    repository = defs.get_repository_def()
    warehouse = WarehouseResource()
    sampler = MemorySampler()
    with dg.DagsterInstance.get() as instance, Launcher(instance, queue=False) as launcher:
        (env.landing_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(held[0], env.landing_dir / relative)
        sampler.start()
        started = time.time()
        with dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse},
                                     repository_def=repository) as context:
            tick = landing_sensor(context)
        if isinstance(tick, dg.SkipReason) or not tick.run_requests:
            raise RuntimeError(f"the landing sensor requested no run for {relative}: {tick}")
        first = list(tick.run_requests)
        run_ids = follow_sensors(instance, launcher, repository, warehouse, first)
        ended = time.time()
        sampler.stop()
        runs = collect_runs(instance, run_ids)
        result = analyse(runs, (started, ended), sampler, DBT_PROJECT_DIR / "target")
        warehouse_runs = [instance.get_run_by_id(r) for r in run_ids]
        warehouse_runs = [r for r in warehouse_runs if r.job_name == WAREHOUSE_JOB]
        if len(warehouse_runs) != 1:
            raise RuntimeError(f"refresh_chain requested {len(warehouse_runs)} refresh_warehouse runs, not one")
        selection = warehouse_runs[0].asset_selection
        result["details"]["scope"] = warehouse_runs[0].tags.get(SCOPE_TAG)
        if selection:
            # For comparison under the same load: all of refresh_warehouse, now.
            all_started = time.time()
            run = launcher.start(PlannedRun(WAREHOUSE_JOB, tags={TRIGGER_TAG: "bench"}), {})
            _wait(instance, [run.run_id])
            all_ended = time.time()
            result["rebuild_all"] = analyse(collect_runs(instance, [run.run_id]), (all_started, all_ended), None,
                                            DBT_PROJECT_DIR / "target")
    result["details"]["landed_file"] = relative.as_posix()
    result["details"]["first_requests"] = [r.job_name for r in first]
    result["details"]["refreshed_assets"] = "all" if not selection else sorted(k.to_user_string() for k in selection)
    return result


STAGES = {**SOURCE_STAGES, "refresh": stage_refresh, "floor": stage_floor, "incremental": stage_incremental}


# --------------------------------------------------------------------------- driver


def hold_back_newest_registrations(env: Env) -> str:
    """Move the newest registrations file out of the landing directory: it is the file
    that arrives for the incremental refresh."""
    from dagster_project.sources.participants.readers import landing_keys, registration_file, split_key

    keys = landing_keys(env.landing_dir)
    newest = max(keys, key=lambda k: (split_key(k)[1], split_key(k)[0]))
    relative = registration_file(newest)
    target = env.data_dir / HELD_BACK_DIR / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(env.landing_dir / relative, target)
    return str(relative)


def run_scale(scale: float, seed: int, data_root: Path) -> dict[str, Any]:
    data_dir = (data_root / f"scale-{scale:g}").resolve()
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = Env(data_dir, scale, seed)
    stages: dict[str, dict] = {}
    uptime: dict[str, str] = {}
    for name in ("generate", "refresh", "floor", "incremental"):
        print(f"[bench] scale {scale:g}: {name} ...", flush=True)
        uptime[name] = _uptime()
        stages[name] = _run_in_child(name, env, script=str(REPO_ROOT / "bench" / "refresh.py"))
        print(f"[bench] scale {scale:g}: {name} done in {stages[name]['wall_seconds']:.1f} s, "
              f"peak {_size(stages[name]['peak_rss_bytes'])}", flush=True)
        if name == "generate":
            held = hold_back_newest_registrations(env)
            print(f"[bench] scale {scale:g}: held back {held} (it lands for the incremental refresh)", flush=True)
    return {"scale": scale, "seed": seed, "data_dir": str(data_dir), "held_back": held, "uptime": uptime,
            "stages": stages}


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as f:
        memory = int(next(line for line in f if line.startswith("MemTotal")).split()[1]) * 1024
    versions = {}
    for name in VERSIONS:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "not installed"
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=REPO_ROOT).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                           cwd=REPO_ROOT).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_bytes": memory, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "versions": versions,
            "code_revision": revision + ("-dirty" if dirty else ""),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


