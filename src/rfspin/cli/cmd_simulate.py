"""rfspin simulate: device dynamics in time.

``rfspin simulate junction ...`` is defined in :mod:`rfspin.cli.simulate_junction`,
``rfspin simulate oscillator ...`` in :mod:`rfspin.cli.simulate_oscillator`, ``rfspin simulate
network RUN_DIR`` in :mod:`rfspin.cli.simulate_network`.
"""

from __future__ import annotations

from . import simulate_junction, simulate_network, simulate_oscillator


def register(sub) -> None:
    p = sub.add_parser("simulate", help="simulate spintronic devices in time",
                       description="Simulate spintronic devices in time: superparamagnetic junctions and "
                                   "spin-torque oscillators, a trained RF network.")
    devices = p.add_subparsers(dest="device_model", metavar="DEVICE")
    devices.required = True
    simulate_junction.register(devices)
    simulate_oscillator.register(devices)
    simulate_network.register(devices)
