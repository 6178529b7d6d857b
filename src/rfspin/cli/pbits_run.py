"""The work behind ``rfspin pbits`` (imported only when the command runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import RfspinError
from .common import device_from_args


def _refuse_existing(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        raise RfspinError(f"output folder {str(out)!r} exists and is not empty: choose another --out")


def run_pbits(args: argparse.Namespace) -> int:
    from ..tasks.pbits import factor_task, maxcut_task

    device = device_from_args(args)
    if args.action == "factor":
        out = args.out or Path("runs") / f"pbits-factor-{args.number}"
        _refuse_existing(out)
        m = factor_task(args.number, out, runs=args.runs, physics=args.physics, method=args.method,
                        x_bits=args.x_bits, y_bits=args.y_bits, max_sweeps=args.max_sweeps, seed=args.seed,
                        device=device, progress=not args.quiet)
        found = ", ".join(f"{k} ({v})" for k, v in m["factorizations_found"].items()) or "none"
        print(f"N = {m['number']}: {m['successes']}/{m['runs']} runs factored ({m['free_pbits']} free p-bits, "
              f"{m['physics']}), median {m['median_sweeps_to_solution']} sweeps; found {found}")
    else:
        name = Path(args.graph).stem if not args.graph.startswith("random:") else args.graph.replace(":", "-")
        out = args.out or Path("runs") / f"pbits-maxcut-{name}"
        _refuse_existing(out)
        m = maxcut_task(args.graph, out, runs=args.runs, sweeps=args.sweeps, seed=args.seed,
                        compare=not args.no_compare, allow_negative=args.allow_negative, device=device,
                        progress=not args.quiet)
        line = (f"{m['graph']}: p-bits best cut {m['pbits']['best_cut']:g}, mean {m['pbits']['mean_cut']:.1f} "
                f"in {m['pbits']['wall_time_s']:.2f} s ({m['colours']} colours)")
        if "neal" in m:
            line += f"; dwave-neal best {m['neal']['best_cut']:g} in {m['neal']['wall_time_s']:.2f} s"
        if m.get("simulated_bifurcation"):
            line += f"; SB best {m['simulated_bifurcation']['best_cut']:g}"
        print(line)
    print(f"written: {out / 'results.json'}")
    return 0
