"""rfspin reproduce: re-run a published experiment over several seeds and write its table."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..tasks.reproduce import STUDIES


def register(sub) -> None:
    p = sub.add_parser("reproduce", help="reproduce a published result (table of mean +- std over seeds)")
    p.add_argument("study", help=f"one of {sorted(STUDIES)}")
    p.add_argument("--seeds", type=int, default=5, help="number of seeds (default 5)")
    p.add_argument("--epochs", type=int, default=None, help="override the study's epochs")
    p.add_argument("--out", type=Path, default=None, help="output folder (default runs/reproduce-STUDY)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.study not in STUDIES:
        raise ValueError(f"unknown study {args.study!r}: choose one of {sorted(STUDIES)}")
    if args.seeds < 1:
        raise ValueError(f"--seeds {args.seeds}: must be >= 1")
    out = args.out or Path("runs") / f"reproduce-{args.study}"
    result = STUDIES[args.study](out, seeds=args.seeds, epochs=args.epochs, progress=not args.quiet)
    print(result["markdown"])
    print(f"written: {out / 'table.md'}")
    return 0
