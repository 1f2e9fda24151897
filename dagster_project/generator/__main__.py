"""python -m dagster_project.generator [--scale S] [--seed N] [--landing DIR] [--truth DIR]"""

from __future__ import annotations

import argparse

from dagster_project.generator import DEFAULT_SCALE, DEFAULT_SEED, generate
from dagster_project.settings import get_settings


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m dagster_project.generator", description=__doc__)
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE, help="1.0 is Denmark (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    parser.add_argument("--landing", default=str(settings.landing_dir), help="landing directory to write")
    parser.add_argument("--truth", default=str(settings.truth_dir), help="truth directory (outside landing)")
    args = parser.parse_args(argv)
    from pathlib import Path

    generate(Path(args.landing), Path(args.truth), scale=args.scale, seed=args.seed,
             progress=lambda msg: print(f"[generate] {msg}", flush=True))


if __name__ == "__main__":
    main()
