"""``rfspin simulate junction``: superparamagnetic tunnel junctions in time.

One junction per current (``--trials`` independent repetitions of the population), simulated
exactly (:func:`rfspin.dynamics.simulate_telegraph`). Writes to ``--out``:

    summary.json       parameters (SI), settings, per current: <m>, switching rate and mean
                       dwell times, simulated (99 % CI over trials) and theoretical
    trace.npz          time_s, current_a, antiparallel (records x currents, first trial), resistance_ohm
    dwell_times.npz    parallel_s, antiparallel_s and the current index of each dwell
    telegraph.png, dwell_times.png, mean_state.png (the sigmoid), switching_rate.png (the bell)

A TOML file (``--config``) may replace the flags: same names with underscores and units in the
keys, e.g. ``preset = "mizrahi2018"``, ``thermal_stability = 10``, ``currents_ua = [-40, 0, 40]``,
``duration_us = 2e5``, ``method = "events"``. Flags given on the command line override the file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_device_argument, lazy_help

__all__ = ["register", "run"]

#: Number options: key -> (factor to SI, lower bound "gt0" / "any", help).
NUMBERS = {
    "thermal_stability": (1.0, "gt0", "barrier E_b / (k_B T) at the junction's temperature (default: the preset's)"),
    "temperature_k": (1.0, "gt0", "temperature; alone it keeps the barrier energy, so Delta scales as 1/T"),
    "attempt_time_ns": (1e-9, "gt0", "Neel-Brown attempt time tau_0"),
    "critical_current_ua": (1e-6, "gt0", "critical current I_c0"),
    "offset_current_ua": (1e-6, "any", "operating point I_off (equal time in P and AP)"),
    "barrier_exponent": (1.0, "gt0", "n in Delta (1 -/+ (I - I_off)/I_c0)^n"),
    "parallel_resistance_ohm": (1.0, "gt0", "R_P"),
    "antiparallel_resistance_ohm": (1.0, "gt0", "R_AP"),
    "duration_us": (1e-6, "gt0", "simulated window (default 1000 x the dwell time at the operating point)"),
    "time_step_ns": (1e-9, "gt0", "time step (default 0.02 x the shortest mean dwell time, the steps rule's limit)"),
}
INTEGERS = {
    "record_every": (1, "record the state every k-th step (default: at most 20,000 records)"),
    "trials": (1, "independent repetitions of the population (default 20)"),
    "seed": (0, "random seed (default 0)"),
}
METHODS = ("steps", "events")
DEFAULT_POINTS = 21


def register(subparsers) -> None:
    """Add ``junction`` to the ``simulate`` sub-command group."""
    p = subparsers.add_parser(
        "junction", help="superparamagnetic tunnel junctions: telegraph traces, dwell times, sigmoid, switching rate",
        description="\n\n".join(__doc__.split("\n\n")[1:]).replace("``", "").replace(
            ":func:`rfspin.dynamics.simulate_telegraph`", "rfspin.dynamics.simulate_telegraph"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", type=Path, default=None, metavar="FILE.toml", help="settings file (flags override it)")
    p.add_argument("--preset", default=None,
                   help=lazy_help(_preset_help))
    for key, (_, _, text) in NUMBERS.items():
        p.add_argument("--" + key.replace("_", "-"), type=float, default=None, help=text)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--currents-ua", type=float, nargs="+", default=None, metavar="I", help="the currents (uA)")
    group.add_argument("--current-range-ua", type=float, nargs=3, default=None, metavar=("MIN", "MAX", "POINTS"),
                       help=f"evenly spaced currents (default: I_off +- 3 I_c0 / (n Delta), {DEFAULT_POINTS} points)")
    for key, (_, text) in INTEGERS.items():
        p.add_argument("--" + key.replace("_", "-"), type=int, default=None, help=text)
    p.add_argument("--method", choices=METHODS, default=None,
                   help="exact discrete-time chain or events (default steps)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default runs/junction-seed<seed>)")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG plots")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_device_argument(p)
    p.set_defaults(func=run)



def _preset_help() -> str:
    from ..dynamics import JUNCTION_PRESETS

    return f"junction preset, one of {sorted(JUNCTION_PRESETS)} (default mizrahi2018)"


def run(args: argparse.Namespace) -> int:
    from .simulate_junction_run import run_junction  # torch and numpy only once the command runs

    return run_junction(args)
