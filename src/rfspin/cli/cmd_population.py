"""``rfspin population``: population coding with superparamagnetic junctions (Mizrahi et al. 2018).

``rfspin population fit FUNCTION``: a population of junctions with shifted operating points
encodes x by switch counts in a counting window; a ridge readout trained on simulated counts
decodes FUNCTION(x). Writes to ``--out`` (default runs/population-FUNCTION-seedS):

    results.json        settings (SI units), RMS error / amplitude, predicted count noise,
                        representation error without noise, decoded curve, weights, tuning curves
    tuning_curves.png   switching rate vs input current, simulated and analytic
    fit.png             decoded output against the target
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_device_argument, lazy_help

__all__ = ["register", "run"]


def _function_help() -> str:
    from ..stochastic.population_readout import TARGET_FUNCTIONS

    return "one of " + ", ".join(f"{k} ({f.formula} on [{f.domain[0]:.3g}, {f.domain[1]:.3g}])"
                                 for k, f in sorted(TARGET_FUNCTIONS.items()))


def register(sub) -> None:
    p = sub.add_parser("population", help="population coding with superparamagnetic junctions (Mizrahi 2018)",
                       description="Population coding with superparamagnetic tunnel junctions.")
    actions = p.add_subparsers(dest="population_action", metavar="ACTION")
    actions.required = True
    fit = actions.add_parser(
        "fit", help="approximate a function with a junction population and a trained linear readout",
        description="\n\n".join(__doc__.split("\n\n")[1:]).replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fit.add_argument("function", help=lazy_help(_function_help))
    fit.add_argument("--junctions", type=int, default=20, help="number of junctions (default 20)")
    fit.add_argument("--window-ms", type=float, default=200.0,
                     help="counting window in ms (default 200 = 200 balanced dwell times of the mizrahi2018 junction)")
    fit.add_argument("--variability", type=float, default=0.0,
                     help="device-to-device barrier variability, log-normal sigma (0.1 = about 10 %%; default 0)")
    fit.add_argument("--attempt-time-variability", type=float, default=0.0,
                     help="device-to-device attempt-time variability, log-normal sigma (default 0)")
    fit.add_argument("--current-range-ua", type=float, nargs=2, default=(-100.0, 100.0), metavar=("MIN", "MAX"),
                     help="input current range = operating-point range in uA (default -100 100)")
    fit.add_argument("--train-points", type=int, default=200, help="training inputs (default 200)")
    fit.add_argument("--test-trials", type=int, default=5, help="test windows per test input (default 5)")
    fit.add_argument("--seed", type=int, default=0, help="random seed (chip draw and counts; default 0)")
    fit.add_argument("--out", type=Path, default=None, help="output folder (default runs/population-FUNCTION-seedS)")
    fit.add_argument("--no-plot", action="store_true", help="skip the PNG plots")
    fit.add_argument("--quiet", action="store_true", help="no progress bars")
    add_device_argument(fit)
    fit.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .population_run import run_fit

    return run_fit(args)
