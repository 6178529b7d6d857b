"""Whole FSDD reservoir pass (3,000 utterances, N = 400) vs a per-utterance Python loop.

Both run the same simulation (:func:`rfspin.oscillatory.reservoir.run_reservoir`: Torrejon 2017
vortex preset, 300 K, bias 2 I_th, s = 0.5, theta = 0.3 / (2 G_p), 2 Heun steps per virtual neuron)
on MFCC frames:

- ``batched``: all utterances at once (sorted by length, chunked by a memory bound), one
  simulation per chunk, every utterance a device;
- ``loop``: one simulation per utterance (what a per-utterance Python loop costs). Measured on a
  subset of ``--loop-utterances`` utterances and extrapolated to the whole set in proportion to
  the number of frames (the loop's cost is linear in the frames; stated in the output).

The front end (MFCC) is computed once and not timed in either figure. CPU time and wall time
are both reported (the machine may be shared: the load average is printed beside the figures).
Run: ``python benchmarks/bench_reservoir.py --data-dir /path/to/fsdd [--threads 2]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np
import torch

from rfspin.data.fsdd import load_fsdd
from rfspin.device import make_generator
from rfspin.dynamics.oscillator_params import TORREJON2017_VORTEX
from rfspin.oscillatory.frontends import FrontendConfig, features_for, standardize
from rfspin.oscillatory.reservoir import ReservoirConfig, run_reservoir


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--nodes", type=int, default=400)
    parser.add_argument("--loop-utterances", type=int, default=30)
    parser.add_argument("--limit", type=int, default=None, help="use only LIMIT randomly chosen utterances (quick check)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    data = load_fsdd(args.data_dir)
    order = np.random.default_rng(1).permutation(len(data))[: args.limit or len(data)]  # a random subset
    feats = features_for([data.waveforms[i] for i in order], data.sample_rate, FrontendConfig(name="mfcc"))
    (feats,) = standardize(feats)
    config = ReservoirConfig(nodes=args.nodes, input_scaling=0.5, bias_current_ratio=2.0, theta_fraction=0.3)
    frames = sum(len(f) for f in feats)
    load_before = os.getloadavg()[0]

    def batched():
        return run_reservoir(feats, TORREJON2017_VORTEX, config, generator=make_generator("cpu", 0))

    _, wall_b, cpu_b = _timed(batched)
    subset = [feats[i] for i in np.random.default_rng(0).permutation(len(feats))[: args.loop_utterances]]
    sub_frames = sum(len(f) for f in subset)

    def loop():
        gen = make_generator("cpu", 0)
        return [run_reservoir([f], TORREJON2017_VORTEX, config, generator=gen) for f in subset]

    _, wall_l, cpu_l = _timed(loop)
    scale = frames / sub_frames
    result = {
        "utterances": len(feats), "frames": frames, "nodes": args.nodes, "threads": args.threads,
        "batched_wall_s": wall_b, "batched_cpu_s": cpu_b,
        "loop_subset_utterances": len(subset), "loop_subset_wall_s": wall_l,
        "loop_extrapolated_wall_s": wall_l * scale, "loop_extrapolated_cpu_s": cpu_l * scale,
        "speedup_wall": wall_l * scale / wall_b, "speedup_cpu": cpu_l * scale / cpu_b,
        "virtual_neuron_states_per_s": frames * args.nodes / wall_b,
        "load_average_1min": [load_before, os.getloadavg()[0]],
    }
    print(f"FSDD reservoir pass: {len(feats)} utterances, {frames} frames, N = {args.nodes}, {args.threads} threads")
    print(f"  batched (one simulation per chunk): {wall_b:8.1f} s wall, {cpu_b:8.1f} s CPU")
    print(f"  per-utterance loop, {len(subset)} utterances measured ({wall_l:.1f} s wall), extrapolated x{scale:.1f} by "
          f"frames: {wall_l * scale:8.1f} s wall, {cpu_l * scale:8.1f} s CPU")
    print(f"  speed-up: {result['speedup_wall']:.1f}x wall, {result['speedup_cpu']:.1f}x CPU; target >= 10x, pass <= 180 s")
    print(f"  load average (1 min) before/after: {load_before:.1f} / {os.getloadavg()[0]:.1f}")
    return result


if __name__ == "__main__":
    main()
