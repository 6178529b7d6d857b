"""p-bit flips per second on sparse graphs of 1e3 .. 1e6 p-bits, beside dwave-neal's spin updates.

Graph-coloured parallel Gibbs sweeps (ideal p-bits, float32, 2 threads), independent runs batched
so that each colour update is one sparse x dense product. Graphs: the union of three random
perfect matchings (degree <= 3, unit antiferromagnetic couplings), coloured by the vectorised
colouring. dwave-neal runs on the same graphs in the same process (one thread, its C++ kernel);
the ratio printed is p-bit flips/s over neal spin updates/s (best of repeated calls each, since
the machine may be shared).

    python benchmarks/bench_pbits.py [--sizes 1000 10000 100000 1000000] [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from rfspin.stochastic import AnnealingSchedule, compile_plan, ising_network, sample


def sparse_graph(size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    edges = []
    for _ in range(3):
        order = rng.permutation(size - size % 2)
        edges.append(order.reshape(-1, 2))
    e = np.sort(np.concatenate(edges), axis=1)
    return np.unique(e, axis=0)


def bench_pbits(size: int, seconds: float) -> tuple[float, float, int, int]:
    """(median, best) p-bit flips/s over repeated 10-sweep calls, runs, colours."""
    edges = sparse_graph(size, 0)
    network = ising_network(size, edges, -np.ones(len(edges)))
    plan = compile_plan(network, "coloured")
    runs = max(1, min(64, (1 << 22) // size))
    generator = torch.Generator().manual_seed(0)
    state = sample(network, AnnealingSchedule(1, 1.0), runs=runs, generator=generator, plan=plan).states
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 3:
        t0 = time.perf_counter()
        state = sample(network, AnnealingSchedule(10, 1.0), runs=runs, generator=generator, plan=plan,
                       initial=state).states
        times.append(time.perf_counter() - t0)
    flips = 10 * runs * size
    return flips / float(np.median(times)), flips / min(times), runs, len(plan.groups)


def bench_neal(size: int, seconds: float) -> float:
    """neal spin updates/s from the time difference of two sweep counts (its per-call set-up of
    the model cancels), sweeps grown until the difference lasts seconds / 3; best of 3."""
    import dimod
    import neal

    edges = sparse_graph(size, 0)
    bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(np.zeros(size), (edges[:, 0], edges[:, 1], np.ones(len(edges))),
                                                        0.0, "SPIN")
    sampler = neal.SimulatedAnnealingSampler()

    def call(sweeps):
        start = time.perf_counter()
        sampler.sample(bqm, num_reads=1, num_sweeps=sweeps, seed=0)
        return time.perf_counter() - start

    base, extra = 1, 10
    while True:
        difference = min(call(base + extra) for _ in range(3)) - min(call(base) for _ in range(3))
        if difference > seconds / 3 or extra > 1e6:
            return extra * size / max(difference, 1e-9)
        extra *= 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"load average before: {os.getloadavg()}; torch threads {torch.get_num_threads()}")
    print("| p-bits | runs | colours | p-bit flips/s (median) | (best) | neal spin updates/s (best) | ratio (best/best) |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes:
        median, best, runs, colours = bench_pbits(size, args.seconds)
        updates = bench_neal(size, args.seconds)
        print(f"| {size:,} | {runs} | {colours} | {median:.3g} | {best:.3g} | {updates:.3g} | {best / updates:.1f} |",
              flush=True)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
