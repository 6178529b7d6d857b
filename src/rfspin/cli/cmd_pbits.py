"""``rfspin pbits``: computing with p-bits (factorization by invertible logic, max-cut).

    rfspin pbits factor N [--runs R] [--physics junction|ideal] [--method energy|multiplier]
    rfspin pbits maxcut GRAPH [--runs R] [--sweeps S] [--no-compare]

GRAPH is an edge-list file (``i j [weight]`` per line, ``#`` comments) or
``random:DEGREE:SIZE[:SEED]``. Each writes a run folder with results.json and a plot.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_device_argument

__all__ = ["register", "run"]


def register(sub) -> None:
    p = sub.add_parser("pbits", help="p-bits: factor integers by invertible logic, solve max-cut",
                       description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    f = actions.add_parser("factor", help="factor an odd composite N by clamping a multiplier's product")
    f.add_argument("number", metavar="N", help="odd composite number to factor")
    f.add_argument("--runs", type=int, default=100, help="independent runs (default 100)")
    f.add_argument("--physics", default="junction", help="junction (junction + transistor p-bits) or ideal (tanh)")
    f.add_argument("--method", default="energy", help="energy: E = (N - XY)^2, up to 4-body terms (Borders 2019); "
                   "multiplier: gate-level multiplier with ancillas")
    f.add_argument("--x-bits", type=int, default=None, help="bits of X (default: enough for N/3)")
    f.add_argument("--y-bits", type=int, default=None, help="bits of Y (default: enough for sqrt(N))")
    f.add_argument("--max-sweeps", type=int, default=5000, help="sweeps per run at most (default 5000)")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--out", type=Path, default=None, help="run folder (default runs/pbits-factor-N)")
    f.add_argument("--quiet", action="store_true", help="no progress output")
    add_device_argument(f)
    f.set_defaults(func=run)
    m = actions.add_parser("maxcut", help="max-cut with graph-coloured p-bits, beside dwave-neal and SB")
    m.add_argument("graph", help="edge-list file or random:DEGREE:SIZE[:SEED]")
    m.add_argument("--runs", type=int, default=32, help="independent runs (default 32)")
    m.add_argument("--sweeps", type=int, default=3000, help="annealing sweeps (default 3000)")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--allow-negative", action="store_true", help="accept negative edge weights")
    m.add_argument("--no-compare", action="store_true", help="skip dwave-neal / simulated-bifurcation")
    m.add_argument("--out", type=Path, default=None, help="run folder (default runs/pbits-maxcut-NAME)")
    m.add_argument("--quiet", action="store_true", help="no progress output")
    add_device_argument(m)
    m.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .pbits_run import run_pbits

    return run_pbits(args)
