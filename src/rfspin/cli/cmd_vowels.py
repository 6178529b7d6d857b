"""rfspin vowels: four coupled oscillators classify vowels by their synchronization pattern."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_device_argument


def register(sub) -> None:
    p = sub.add_parser(
        "vowels", help="vowels by synchronization of four coupled oscillators (Romera et al. 2018)",
        description="Hillenbrand 1995 formants (F1, F2) as two RF drives; four coupled oscillators trained by "
                    "Romera's rule and by gradient through the simulation; software baselines on the same features. "
                    "Writes metrics.json and the (F1, F2) plane coloured by the synchronization pattern.",
    )
    p.add_argument("--data-dir", type=Path, required=True, help="folder with vowdata.dat (Hillenbrand 1995)")
    p.add_argument("--vowels", nargs="+", default=None,
                   help="vowel codes (default: iy ih eh ae ah uw er); all: ae ah aw eh ei er ih iy oa oo uh uw")
    p.add_argument("--groups", default="w", help="talker groups, letters of mwbg (default w: women)")
    p.add_argument("--epochs", type=int, default=3, help="training epochs of each rule (default 3)")
    p.add_argument("--learning-rate", type=float, default=0.01,
                   help="Adam step on the currents, gradient training (default 0.01)")
    p.add_argument("--coupling", type=float, default=0.05, help="coupling strength in units of G_G (default 0.05)")
    p.add_argument("--drive-amplitude", type=float, default=8e5, help="F of each RF drive [1/s] (default 8e5)")
    p.add_argument("--duration", type=float, default=16e-6,
                   help="simulated window [s] (default 16e-6)")
    p.add_argument("--window-start", type=float, default=0.25,
                   help="fraction of the window after which the coherence is averaged (default 0.25)")
    p.add_argument("--decoder", choices=("readout", "prototype"), default="readout",
                   help="class from the synchronization pattern: logistic readout (default) or nearest class prototype")
    p.add_argument("--features", choices=("complex", "magnitude"), default="complex",
                   help="what the decoder reads: the synchronization pattern incl. locking phase, Re and Im of the 8 "
                        "coherences (default), or their magnitudes only")
    p.add_argument("--training-temperature", type=float, default=0.0,
                   help="temperature [K] of the simulation the gradient is taken through (default 0: noise-free)")
    p.add_argument("--validation", action="store_true",
                   help="set the test talkers aside and split the training talkers again (for choosing settings)")
    p.add_argument("--temperature", type=float, default=300.0, help="evaluation temperature [K] (default 300)")
    p.add_argument("--seed", type=int, default=0, help="seed of the talker split and the noise (default 0)")
    p.add_argument("--out", type=Path, default=Path("runs") / "vowels", help="run folder (default runs/vowels)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_device_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .vowels_run import run_vowels_command

    return run_vowels_command(args)
