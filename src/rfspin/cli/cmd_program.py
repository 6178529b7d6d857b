"""rfspin program: export the chip program of a trained run (JSON + CSV)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("program", help="export a run's chip program (every device setting) as JSON and CSV")
    p.add_argument("run_dir", type=Path, help="run folder written by 'rfspin train'")
    p.add_argument("--out", type=Path, default=None, help="folder for the files (default: the run folder)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..program import write_program_files
    from ..tasks import load_run_model

    model = load_run_model(args.run_dir)
    for path in write_program_files(model, args.out or args.run_dir):
        print(path)
    return 0
