"""``rfspin simulate network RUN_DIR``: a trained RF network in time, for one input.

The test sample ``--sample K`` of the run's task switches on at t = 0 (from the state with all
inputs off); every oscillator follows its amplitude equation and every chain a first-order
response at its resonators' half linewidth (rfspin.nn.time_domain.run_network_in_time). Reports
the time the outputs take to settle within 1 % of the static forward pass, beside the latency
the energy model assumes (``--energy-preset``), and the deviation of the final state from the
static forward pass. Writes network_time.json and network_time.png to ``--out`` (default
RUN_DIR/time-domain-sample<K>).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_device_argument

__all__ = ["register", "run"]

DEFAULT_ENERGY_PRESET = "ross2023-vortex"


def register(subparsers) -> None:
    """Add ``network`` to the ``simulate`` sub-command group."""
    p = subparsers.add_parser(
        "network", help="a trained RF network in time: settling time and steady state vs the static pass",
        description="\n\n".join(__doc__.split("\n\n")[1:]).replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run folder of rfspin train")
    p.add_argument("--sample", type=int, default=0, metavar="K", help="index of the test sample (default 0)")
    p.add_argument("--duration-us", type=float, default=20.0, help="simulated window in us (default 20)")
    p.add_argument("--time-step-ns", type=float, default=None,
                   help="time step in ns (default 0.05 / the fastest device rate)")
    p.add_argument("--resonators", choices=("lowpass", "instant"), default="lowpass",
                   help="chain response: first order at the half linewidth, or instantaneous (default lowpass)")
    p.add_argument("--energy-preset", default=DEFAULT_ENERGY_PRESET,
                   help=f"technology preset of the latency compared with (default {DEFAULT_ENERGY_PRESET})")
    p.add_argument("--out", type=Path, default=None, help="output folder (default RUN_DIR/time-domain-sample<K>)")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG plot")
    add_device_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .simulate_network_run import run_network  # torch only once the command runs

    return run_network(args)
