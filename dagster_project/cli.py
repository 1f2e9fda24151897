"""Command line for data engineers: `python -m dagster_project <command>`.

    refresh [--generate] [--scale S] [--seed N] [--all]
                                                  full refresh (on the embedded default with --generate;
                                                  --all also re-ingests partitions whose inputs are unchanged)
    generate [--scale S] [--seed N]               write the embedded default landing files
    manifest                                      parse the dbt project (before definitions load)
    dev                                           the Dagster UI and daemon (dagster dev)
    serve [--host H] [--port P]                   dagster-webserver and dagster-daemon, as a deployment runs them
    data-docs [--rebuild]                         where the Great Expectations Data Docs are (rebuilt)
    docs [--port N]                               serve Data Docs, dbt docs and reports on 127.0.0.1
    dictionary [--check]                          write docs/data_dictionary.md from the dbt docs (or check it)
    versions                                      published versions, the current one marked
    rollback [--to VERSION]                       make an earlier published version current
    list-rules --year Y --indicators FILE [--format csv]
                                                  classify every area of an S4 indicator file by the
                                                  rules of the list of 1 December Y (a list forecast)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster_project.settings import REPO_ROOT, get_settings

# Written by `python -m dagster_project` into $DAGSTER_HOME; rewritten while this marker
# is its first line, so a changed setting takes effect. Remove the marker to keep your own.
DAGSTER_YAML_MARKER = "# Written by `python -m dagster_project`"
# The run queue (a dagster-daemon dequeues it: make serve, make dev): two runs at a time
# on the 2-core machine this is measured on; and one step at a time that opens the build
# database (DuckDB has one writer), however many runs are going.
RUN_QUEUE = """\
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    dequeue_interval_seconds: 1
concurrency:
  runs:
    max_concurrent_runs: {max_runs}
  pools:
    # One step at a time that opens the dbt build database (resources.BUILD_DB_POOL).
    default_limit: 1
# The daemon frees the pool slot of a run that died inside its step (killed, OOM), which
# otherwise blocks every later dbt build; without the daemon the refresh command does.
run_monitoring:
  enabled: true
  free_slots_after_run_end_seconds: 60
"""
POSTGRES_STORAGE = """\
storage:
  postgres:
    postgres_url:
      env: BOLIGSOCIAL_DAGSTER_PG_URL
"""


def dagster_yaml() -> str:
    """The instance configuration: SQLite under $DAGSTER_HOME (the embedded default), or
    PostgreSQL when BOLIGSOCIAL_DAGSTER_PG_URL is set; the run queue; no telemetry."""
    storage = POSTGRES_STORAGE if os.environ.get("BOLIGSOCIAL_DAGSTER_PG_URL") else ""
    max_runs = os.environ.get("BOLIGSOCIAL_MAX_CONCURRENT_RUNS", "2")
    return (f"{DAGSTER_YAML_MARKER}: {'PostgreSQL' if storage else 'SQLite'} storage, the run queue, "
            f"no telemetry.\ntelemetry:\n  enabled: false\n{storage}{RUN_QUEUE.format(max_runs=max_runs)}")


def ensure_dagster_home() -> Path:
    """Runs are recorded in $DAGSTER_HOME (default data/dagster_home), so `make dev` and
    `make serve` show every run this command made."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(get_settings().work_dir.parent / "dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text(encoding="utf-8").startswith(DAGSTER_YAML_MARKER):
        text = dagster_yaml()
        if not config.exists() or config.read_text(encoding="utf-8") != text:
            # Whole or not at all: a daemon or UI starting beside it may read it meanwhile.
            partial = config.with_name(f".{config.name}.{os.getpid()}.partial")
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, config)
    return home


_TERMINAL = None  # the terminal while a refresh sends stdout to its log file


def _say(message: str) -> None:
    print(message, file=_TERMINAL or sys.__stdout__, flush=True)


def cmd_manifest(_args: argparse.Namespace) -> int:
    from dagster_project.dbt.project import prepare_manifest

    _say(f"dbt manifest: {prepare_manifest()}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from dagster_project.generator import generate

    settings = get_settings()
    generate(settings.landing_dir, settings.truth_dir, scale=args.scale, seed=args.seed,
             progress=lambda m: _say(f"[generate] {m}"))
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    from dagster_project.automation.lock import EXIT_BUSY, RefreshBusy, refresh_lock

    settings = get_settings()
    started = time.perf_counter()
    # The lock first, before anything heavy loads: a second refresh is refused at once.
    try:
        with refresh_lock(settings.work_dir) as holder:
            return _refresh(args, settings, started, holder)
    except RefreshBusy as busy:
        _say(f"REFRESH BUSY: {busy}\nNothing was started; try again when it has finished.")
        return EXIT_BUSY


def _refresh(args: argparse.Namespace, settings, started: float, holder: dict) -> int:
    if args.generate:
        cmd_generate(args)
    elif not settings.landing_dir.exists():
        _say(f"no landing directory at {settings.landing_dir}: run with --generate for the embedded default")
        return 2
    home = ensure_dagster_home()
    from dagster_project.pseudonym import demo_key_warning

    if warning := demo_key_warning():
        _say(f"[refresh] WARNING: {warning}")
    cmd_manifest(args)
    import dagster as dg

    from dagster_project.automation.lock import RefreshBusy
    from dagster_project.automation.refresh import RefreshFailed, run_refresh
    from dagster_project.publish.warehouse import current_version

    before = current_version(settings.warehouse_dir)
    # Dagster's own output (the code server, the run launcher) goes to a log file; the
    # console gets the refresh's progress and, on failure, what broke.
    log_path = settings.work_dir / "logs" / f"refresh-{time.strftime('%Y%m%dT%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    _say(f"[refresh] Dagster instance: {home} (runs show in the UI: make dev); detailed log: {_short(log_path)}")
    try:
        with _output_to(log_path), dg.DagsterInstance.get() as instance:
            report = run_refresh(settings, instance, progress=lambda m: _say(f"[refresh] {m}"), lock=False,
                                 everything=getattr(args, "everything", False), refresh_id=holder.get("refresh_id"))
    except (RefreshFailed, RefreshBusy) as exc:
        _say(f"\nREFRESH FAILED: {exc}")
        after = current_version(settings.warehouse_dir)
        _say(f"\nNothing was published; the warehouse is unchanged "
             f"({'version ' + after if after else 'no version published yet'}).")
        _say_data_docs(settings.warehouse_dir)
        return 1
    version = current_version(settings.warehouse_dir)
    marts = settings.warehouse_dir / "marts.duckdb"
    duckdb_cli = Path(sys.executable).parent / "duckdb"
    _say(f"\nRefresh done in {time.perf_counter() - started:.0f} s ({len(report.runs)} Dagster runs).")
    if report.unchanged_version:
        _say(f"Nothing changed since published version {report.unchanged_version} (the same inputs and code): "
             "nothing was published.")
    else:
        _say(f"Published version {version} (previous: {before or 'none'}).")
    for warning in report.warnings:
        _say(f"WARNING (published anyway): {warning}")
    _say(f"\nPublished warehouse: {marts}")
    _say(f"  restricted:        {settings.warehouse_dir / 'restricted.duckdb'}")
    _say(f"  Parquet exports:   {settings.warehouse_dir / 'parquet'}")
    _say("\nQuery it with the duckdb CLI this project installs, for example:")
    _say(f"  {_short(duckdb_cli)} -readonly {_short(marts)} \\\n"
         "    \"select funding_round, sum(grant_lbf_dkk) as grant_lbf_dkk from fct_bevilling group by 1 order by 1\"")
    _say_data_docs(settings.warehouse_dir)
    _say("\nSee every run, asset and check in the Dagster UI: make dev")
    return 0


@contextmanager
def _output_to(log_path: Path) -> Iterator[None]:
    """Send this process's stdout and stderr, and those of the processes it starts (the
    Dagster code server), to ``log_path``; ``_say`` still reaches the terminal."""
    global _TERMINAL
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    _TERMINAL = os.fdopen(os.dup(saved[0]), "w", buffering=1, encoding="utf-8")
    with open(log_path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            _TERMINAL.close()
            _TERMINAL = None


def _say_data_docs(warehouse_dir: Path) -> None:
    from dagster_project.quality.data_docs import index_page

    if index_page(warehouse_dir).exists():
        _say(f"Every gate's validation, passed or failed, in Data Docs: {index_page(warehouse_dir)}")
        _say(f"  served with the data dictionary and dbt docs by `make docs`: {get_settings().docs_base_url}")


def _dagster(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def cmd_dev(_args: argparse.Namespace) -> int:
    """`dagster dev` against $DAGSTER_HOME: the UI, the daemon (schedule, sensors, run queue)."""
    home = ensure_dagster_home()
    cmd_manifest(_args)
    _say(f"Dagster instance: {home}")
    os.execv(_dagster("dagster"), [_dagster("dagster"), "dev", "-w", str(REPO_ROOT / "workspace.yaml")])
    return 0  # pragma: no cover (execv does not return)


def cmd_serve(args: argparse.Namespace) -> int:
    """dagster-webserver and dagster-daemon as two processes against $DAGSTER_HOME, as a
    deployment runs them: the daemon dequeues the run queue and runs the schedule and the
    sensors; the webserver serves the UI. Stops both on Ctrl-C or SIGTERM."""
    import signal
    import subprocess

    home = ensure_dagster_home()
    cmd_manifest(args)
    storage = "PostgreSQL (BOLIGSOCIAL_DAGSTER_PG_URL)" if os.environ.get("BOLIGSOCIAL_DAGSTER_PG_URL") else "SQLite"
    workspace = str(REPO_ROOT / "workspace.yaml")
    processes = [
        subprocess.Popen([_dagster("dagster-daemon"), "run", "-w", workspace]),
        subprocess.Popen([_dagster("dagster-webserver"), "-w", workspace, "-h", args.host, "-p", str(args.port)]),
    ]
    _say(f"Dagster instance: {home} ({storage} storage)\n"
         f"UI on http://{args.host}:{args.port}; dagster-daemon runs the queue, schedule and sensors. Ctrl-C stops both.")

    def stop(*_signal) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        codes = [p.wait(timeout=60) for p in processes]
    failed = [name for name, code in zip(("dagster-daemon", "dagster-webserver"), codes, strict=True)
              if code not in (0, -signal.SIGTERM, -signal.SIGINT)]
    if failed:
        _say(f"{', '.join(failed)} stopped with an error (exit codes {codes})")
        return 1
    return 0


def cmd_data_docs(args: argparse.Namespace) -> int:
    from dagster_project.quality.data_docs import index_page, rebuild

    warehouse_dir = get_settings().warehouse_dir
    if args.rebuild:
        rebuild(warehouse_dir)
    if not index_page(warehouse_dir).exists():
        _say(f"no Data Docs yet in {warehouse_dir}: run a refresh")
        return 1
    _say(f"Data Docs: {index_page(warehouse_dir)}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from dagster_project.docs.server import DocsServerError, serve

    settings = get_settings()
    try:
        serve(settings.warehouse_dir, args.port or settings.docs_port, say=_say)
    except DocsServerError as exc:
        _say(f"docs: {exc}")
        return 1
    return 0


def cmd_dictionary(args: argparse.Namespace) -> int:
    import json

    from dagster_project.dbt.project import dbt_project, prepare_manifest
    from dagster_project.docs.dictionary import MARKDOWN_PATH, published_tables, render_markdown

    prepare_manifest()
    text = render_markdown(published_tables(json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))))
    if args.check:
        if MARKDOWN_PATH.read_text(encoding="utf-8") != text:
            _say(f"{_short(MARKDOWN_PATH)} is out of date: run `make dictionary`")
            return 1
        _say(f"{_short(MARKDOWN_PATH)} is up to date")
        return 0
    MARKDOWN_PATH.write_text(text, encoding="utf-8")
    _say(f"data dictionary: {_short(MARKDOWN_PATH)}")
    return 0


def cmd_versions(_args: argparse.Namespace) -> int:
    from dagster_project.publish.warehouse import current_version, list_versions

    settings = get_settings()
    current = current_version(settings.warehouse_dir)
    versions = list_versions(settings.warehouse_dir)
    if not versions:
        _say(f"no published version in {settings.warehouse_dir}")
    for version in versions:
        _say(f"{'*' if version == current else ' '} {version}")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from dagster_project.publish.warehouse import PublishError, rollback

    settings = get_settings()
    try:
        version = rollback(settings.warehouse_dir, args.to)
    except PublishError as exc:
        _say(f"rollback failed: {exc}")
        return 1
    _say(f"current version is now {version}: {settings.warehouse_dir / 'marts.duckdb'}")
    return 0


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    from dagster_project.generator import DEFAULT_SCALE, DEFAULT_SEED

    parser = argparse.ArgumentParser(prog="python -m dagster_project", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    def add_scale(p: argparse.ArgumentParser) -> None:
        p.add_argument("--scale", type=float, default=DEFAULT_SCALE, help="1.0 is Denmark (default %(default)s)")
        p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed (default %(default)s)")

    refresh = commands.add_parser("refresh", help="full refresh: ingest, build, gate, publish")
    refresh.add_argument("--generate", action="store_true", help="first write the embedded default landing files")
    refresh.add_argument("--all", dest="everything", action="store_true",
                         help="ingest every partition again, also those whose inputs are unchanged since they were gated")
    add_scale(refresh)
    refresh.set_defaults(func=cmd_refresh)
    generate = commands.add_parser("generate", help="write the embedded default landing files")
    add_scale(generate)
    generate.set_defaults(func=cmd_generate)
    commands.add_parser("manifest", help="parse the dbt project").set_defaults(func=cmd_manifest)
    commands.add_parser("dev", help="the Dagster UI and daemon (dagster dev)").set_defaults(func=cmd_dev)
    serve = commands.add_parser("serve", help="dagster-webserver and dagster-daemon, as a deployment runs them")
    serve.add_argument("--host", default=os.environ.get("BOLIGSOCIAL_UI_HOST", "127.0.0.1"),
                       help="address the UI listens on (default %(default)s)")
    serve.add_argument("--port", type=int, default=int(os.environ.get("BOLIGSOCIAL_UI_PORT", "3000")),
                       help="port of the UI (default %(default)s)")
    serve.set_defaults(func=cmd_serve)
    commands.add_parser("versions", help="list published versions").set_defaults(func=cmd_versions)
    docs_parser = commands.add_parser("data-docs", help="where the Great Expectations Data Docs are")
    docs_parser.add_argument("--rebuild", action="store_true", help="render the whole site again from stored results")
    docs_parser.set_defaults(func=cmd_data_docs)
    serve_parser = commands.add_parser("docs", help="serve Data Docs, dbt docs and reports over http on 127.0.0.1")
    serve_parser.add_argument("--port", type=int, help="port (default BOLIGSOCIAL_DOCS_PORT, else 8765)")
    serve_parser.set_defaults(func=cmd_docs)
    dictionary_parser = commands.add_parser("dictionary", help="write docs/data_dictionary.md from the dbt docs")
    dictionary_parser.add_argument("--check", action="store_true", help="only check that it is up to date")
    dictionary_parser.set_defaults(func=cmd_dictionary)
    rollback_parser = commands.add_parser("rollback", help="make an earlier published version current")
    rollback_parser.add_argument("--to", help="version to make current (default: the one before the current)")
    rollback_parser.set_defaults(func=cmd_rollback)
    # The list forecast (dagster_project/lists/forecast.py, docs/list_rules.md).
    list_rules = commands.add_parser("list-rules", help="classify an indicator file by the rules of a year's list")
    list_rules.add_argument("--year", type=int, required=True, help="the list of 1 December of this year")
    list_rules.add_argument("--indicators", required=True, help="a file in the S4 format (OMRAADE;INDIKATOR;TID;INDHOLD)")
    list_rules.add_argument("--format", choices=("text", "csv"), default="text", help="output (default %(default)s)")
    list_rules.set_defaults(func=lambda a: __import__("dagster_project.lists.forecast", fromlist=["command"]).command(a))
    args = parser.parse_args(argv)
    from dagster_project.settings import SettingsError

    try:
        return args.func(args)
    except SettingsError as exc:
        _say(f"configuration: {exc}")
        return 2
