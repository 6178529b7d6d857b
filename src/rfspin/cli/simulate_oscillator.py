"""``rfspin simulate oscillator``: spin-torque oscillators in time.

One oscillator per current (``--trials`` independent noise realisations each), integrated with
the stochastic Heun scheme in a frame rotating at the oscillators' steady-state frequency
(rfspin.dynamics.simulate_oscillators). Writes to ``--out``:

    summary.json       parameters (SI), settings, per current: simulated and theoretical power,
                       frequency, emitted power, relaxation rate, linewidth (fitted / theory)
    traces.npz         time_s, current_a, power, frequency_hz, emitted_power_w (first trial)
                       and amplitude_re/amplitude_im (rotating frame, all trials)
    power.png, spectrum.png (power spectrum, fitted Lorentzian, its linewidth)
    arnold_tongue.png, locking_map.npz   with --locking-map: locked fraction vs drive frequency
                       and amplitude at the first current, the Adler boundary drawn over it

Drives: ``--drive FREQ:AMP[:PHASE]`` (Hz : 1/s : rad), e.g. ``--drive 20.05e6:2e4``; each drive
acts on every oscillator and must lie within an octave of the oscillator band. A TOML file
(``--config``) may replace the flags: same names with underscores, e.g. ``preset = "ross2023"``,
``currents_ua = [20, 30]``, ``temperature_k = 300``, ``drives = ["20.05e6:2e4"]``,
``duration_us = 100``, ``locking_map = true``. Flags given on the command line override the file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_device_argument, lazy_help

__all__ = ["register", "run"]

#: Number options: key -> (factor to SI, help).
NUMBERS = {
    "temperature_k": (1.0, "temperature (default: the preset's, 300 K); 0 turns the thermal noise off"),
    "duration_us": (1e-6, "simulated window (default: 40 relaxation times, at least 20 / linewidth)"),
    "time_step_ns": (1e-9, "time step (default 0.1 / the fastest rate of the rotating-frame dynamics)"),
}
INTEGERS = {
    "record_every": (1, "record every k-th step (default: at most 20,000 records)"),
    "trials": (1, "independent noise realisations per current (default 8)"),
    "seed": (0, "random seed (default 0)"),
}


def register(subparsers) -> None:
    """Add ``oscillator`` to the ``simulate`` sub-command group."""
    p = subparsers.add_parser(
        "oscillator", help="spin-torque oscillators: traces, power spectrum and linewidth, Arnold tongue",
        description="\n\n".join(__doc__.split("\n\n")[1:]).replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", type=Path, default=None, metavar="FILE.toml", help="settings file (flags override it)")
    p.add_argument("--preset", default=None, help=lazy_help(_preset_help))
    p.add_argument("--current-ua", "--currents-ua", dest="currents_ua", type=float, nargs="+", default=None,
                   metavar="I", help="DC currents in uA, one oscillator each (default 2 x the threshold)")
    p.add_argument("--drive", dest="drives", action="append", default=None, metavar="FREQ:AMP[:PHASE]",
                   help="an RF drive: frequency (Hz), amplitude F (1/s), optional phase (rad); repeatable")
    for key, (_, text) in NUMBERS.items():
        p.add_argument("--" + key.replace("_", "-"), type=float, default=None, help=text)
    for key, (_, text) in INTEGERS.items():
        p.add_argument("--" + key.replace("_", "-"), type=int, default=None, help=text)
    p.add_argument("--locking-map", action="store_const", const=True, default=None,
                   help="also map locking vs drive frequency x amplitude (Arnold tongue) at the first current")
    p.add_argument("--out", type=Path, default=None, help="output folder (default runs/oscillator-seed<seed>)")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG plots")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_device_argument(p)
    p.set_defaults(func=run)


def _preset_help() -> str:
    from ..dynamics import OSCILLATOR_PRESETS

    return f"oscillator preset, one of {sorted(OSCILLATOR_PRESETS)} (default ross2023)"


def run(args: argparse.Namespace) -> int:
    from .simulate_oscillator_run import (
        run_oscillator,  # torch and numpy only once the command runs
    )

    return run_oscillator(args)
