"""Command line for data engineers: `python -m dagster_project <command>`.

    refresh [--generate] [--scale S] [--seed N] [--all]
                                                  full refresh (on the embedded default with --generate;
                                                  --all also re-ingests partitions whose inputs are unchanged)
    generate [--scale S] [--seed N]               write the embedded default landing files
    manifest                                      parse the dbt project (before definitions load)
    data-docs [--rebuild]                         where the Great Expectations Data Docs are (rebuilt)
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
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from dagster_project.settings import REPO_ROOT, get_settings

DAGSTER_YAML = """\
# Written by `python -m dagster_project`: local SQLite storage, no telemetry.
telemetry:
  enabled: false
"""


def ensure_dagster_home() -> Path:
    """Runs are recorded in $DAGSTER_HOME (default data/dagster_home), so `dagster dev`
    shows every run this command made."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(get_settings().work_dir.parent / "dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        (home / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")
    return home


def _say(message: str) -> None:
    # The real stdout, also while a refresh redirects sys.stdout to its log file.
    print(message, file=sys.__stdout__, flush=True)


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
    settings = get_settings()
    started = time.perf_counter()
    if args.generate:
        cmd_generate(args)
    elif not settings.landing_dir.exists():
        _say(f"no landing directory at {settings.landing_dir}: run with --generate for the embedded default")
        return 2
    ensure_dagster_home()
    from dagster_project.pseudonym import demo_key_warning

    if warning := demo_key_warning():
        _say(f"[refresh] WARNING: {warning}")
    cmd_manifest(args)
    import dagster as dg

    from dagster_project.automation.full_refresh import RefreshBusy, RefreshFailed, run_full_refresh
    from dagster_project.definitions import defs
    from dagster_project.publish.warehouse import current_version

    before = current_version(settings.warehouse_dir)
    # Every event of every run, and dbt's own output, go to a log file; the console gets
    # one line per run and, on failure, what broke.
    log_path = settings.work_dir / "logs" / f"refresh-{time.strftime('%Y%m%dT%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    _say(f"[refresh] detailed log: {_short(log_path)}")
    try:
        with open(log_path, "w", encoding="utf-8") as log, redirect_stdout(log), redirect_stderr(log), \
                dg.DagsterInstance.get() as instance:
            report = run_full_refresh(defs, instance, settings, progress=lambda m: _say(f"[refresh] {m}"),
                                      tags={"boligsocial/trigger": "cli"}, log_level="INFO",
                                      everything=getattr(args, "everything", False))
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
    skipped = f", {len(report.skipped)} partitions skipped for want of a landing file" if report.skipped else ""
    if report.unchanged:
        skipped += f", {len(report.unchanged)} partitions unchanged since they were gated (--all ingests them again)"
    _say(f"\nRefresh done in {time.perf_counter() - started:.0f} s ({len(report.runs)} Dagster runs{skipped}).")
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


def _say_data_docs(warehouse_dir: Path) -> None:
    from dagster_project.quality.data_docs import index_page

    if index_page(warehouse_dir).exists():
        _say(f"Every gate's validation, passed or failed, in Data Docs: {index_page(warehouse_dir)}")


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
    commands.add_parser("versions", help="list published versions").set_defaults(func=cmd_versions)
    docs_parser = commands.add_parser("data-docs", help="where the Great Expectations Data Docs are")
    docs_parser.add_argument("--rebuild", action="store_true", help="render the whole site again from stored results")
    docs_parser.set_defaults(func=cmd_data_docs)
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
    return args.func(args)
