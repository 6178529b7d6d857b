"""rfspin reservoir: spoken digits (FSDD) with one time-multiplexed spin-torque oscillator."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_device_argument, lazy_help


def _preset_help() -> str:
    from ..dynamics.oscillator_params import OSCILLATOR_PRESETS

    return f"oscillator preset, one of {sorted(OSCILLATOR_PRESETS)} (default torrejon2017)"


def register(sub) -> None:
    p = sub.add_parser(
        "reservoir", help="spoken digits (FSDD) with a time-multiplexed oscillator reservoir",
        description="Torrejon et al. 2017 on the Free Spoken Digit Dataset (official split): oscillator reservoir, "
                    "the same ridge readout on the features alone, and an echo-state network; writes metrics.json, "
                    "a confusion matrix and the oscillator's response to one utterance.",
    )
    p.add_argument("--data-dir", type=Path, required=True, help="FSDD folder (with recordings/ or the WAVs)")
    p.add_argument("--frontend", default="mfcc", choices=["mfcc", "spectrogram", "cochleagram"],
                   help="acoustic front end (default mfcc)")
    p.add_argument("--nodes", type=int, default=400, help="virtual neurons N (default 400)")
    p.add_argument("--theta", type=float, default=None,
                   help="time per virtual neuron [s] (default: 2 / the power relaxation rate at the bias, 50 ns)")
    p.add_argument("--oscillators", type=int, default=1, help="physical oscillators K sharing the N nodes (default 1)")
    p.add_argument("--coupling", type=float, default=0.0,
                   help="coupling between the K oscillators in units of G_G (default 0: independent)")
    p.add_argument("--temperature", type=float, default=300.0, help="temperature [K] (default 300; 0: no noise)")
    p.add_argument("--bias", type=float, default=3.0, help="bias current / threshold current (default 3)")
    p.add_argument("--input-scaling", type=float, nargs="+", default=[0.25, 0.5, 1.0],
                   help="candidate input scalings, chosen by CV on the training set (default 0.25 0.5 1)")
    p.add_argument("--preset", default="torrejon2017", help=lazy_help(_preset_help))
    p.add_argument("--no-esn", action="store_true", help="skip the echo-state-network baseline")
    p.add_argument("--seed", type=int, default=0, help="seed of mask, noise and CV folds (default 0)")
    p.add_argument("--per-class", type=int, default=None, help="use at most this many recordings per digit")
    p.add_argument("--out", type=Path, default=None, help="run folder (default runs/reservoir-FRONTEND)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_device_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .reservoir_run import run_reservoir_command

    return run_reservoir_command(args)
