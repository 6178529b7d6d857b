"""rfspin simulate: device dynamics in time (minimal group; the lead merges the oscillator half).

``rfspin simulate junction ...`` is defined in :mod:`rfspin.cli.simulate_junction`.
"""

from __future__ import annotations

from . import simulate_junction


def register(sub) -> None:
    p = sub.add_parser("simulate", help="simulate spintronic devices in time",
                       description="Simulate spintronic devices in time: superparamagnetic junctions.")
    devices = p.add_subparsers(dest="device_model", metavar="DEVICE")
    devices.required = True
    simulate_junction.register(devices)
