"""The work behind ``rfspin population fit`` (imported inside ``run``: torch lives here)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import RfspinError
from ..validation import check_number
from .common import device_from_args

__all__ = ["run_fit"]


def run_fit(args: argparse.Namespace) -> int:
    from ..dynamics import MIZRAHI2018_JUNCTION
    from ..stochastic.population import PopulationConfig
    from ..stochastic.population_readout import get_target_function
    from ..tasks.population import run_population_fit

    # everything is validated before the output folder is created
    target = get_target_function(args.function)
    window_ms = check_number(args.window_ms, "--window-ms", gt=0.0)
    low, high = (check_number(v, "--current-range-ua") for v in args.current_range_ua)
    if not high > low:
        raise RfspinError(f"--current-range-ua {low:g} {high:g}: MAX must be > MIN")
    config = PopulationConfig(
        junctions=check_number(args.junctions, "--junctions", ge=1, integer=True),
        current_min=low * 1e-6, current_max=high * 1e-6, counting_window=window_ms * 1e-3,
        barrier_variability=check_number(args.variability, "--variability", ge=0.0, le=1.0),
        attempt_time_variability=check_number(args.attempt_time_variability, "--attempt-time-variability",
                                              ge=0.0, le=1.0),
        junction=MIZRAHI2018_JUNCTION,
    )
    train_points = check_number(args.train_points, "--train-points", ge=2, integer=True)
    test_trials = check_number(args.test_trials, "--test-trials", ge=1, integer=True)
    seed = check_number(args.seed, "--seed", ge=0, integer=True)
    if train_points < 2 * config.junctions:
        raise RfspinError(f"--train-points {train_points}: must be >= 2 x --junctions = {2 * config.junctions}")
    device = device_from_args(args)
    out = args.out if args.out is not None else Path("runs") / f"population-{target.name}-seed{seed}"
    if out.exists() and not out.is_dir():
        raise RfspinError(f"--out {out}: exists and is not a folder")
    result = run_population_fit(out, target.name, config, seed=seed, device=str(device), plots=not args.no_plot,
                                progress=not args.quiet, train_points=train_points, test_trials=test_trials)
    print(f"{target.formula} on [{target.domain[0]:.4g}, {target.domain[1]:.4g}] with {config.junctions} junctions, "
          f"window {window_ms:g} ms: RMS error {result['relative_rms_error']:.4f} of the amplitude "
          f"(count noise {result['predicted_noise_relative_rms']:.4f}, "
          f"without noise {result['noiseless_relative_rms_error']:.4f})")
    print(f"written: {out}")
    return 0
