"""p-bit tasks with run folders: factorization, max-cut (with dwave-neal / simulated-bifurcation
beside), and ``reproduce borders2019`` (945 with 8 junction p-bits + every semiprime p q < 64^2).

Every task validates its input before it creates its folder; JSON is written atomically and
plots are imported lazily.
"""

from __future__ import annotations

import math
import statistics
import time
from pathlib import Path

import torch

from ..device import make_generator, resolve_device
from ..errors import RfspinError
from ..fileio import atomic_write_json, atomic_write_text
from ..stochastic import (
    AnnealingSchedule,
    IdealPbit,
    JunctionPbit,
    decode_factors,
    factor_problem,
    run_factor,
    sample,
)
from ..stochastic.factor import default_schedule
from ..stochastic.maxcut import (
    Graph,
    cut_values,
    maxcut_network,
    random_regular,
    read_edge_list,
)
from ..stochastic.sampler import compile_plan
from .reproduce import register_study

__all__ = ["PHYSICS", "answer_histogram", "factor_task", "load_graph", "maxcut_task", "physical_time_factor", "reproduce_borders2019"]

PHYSICS = {"junction": JunctionPbit(), "ideal": IdealPbit()}


def _pbit(physics: str):
    if physics not in PHYSICS:
        raise RfspinError(f"--physics {physics!r}: must be one of {sorted(PHYSICS)}")
    return PHYSICS[physics]


def _bar(enabled: bool, total: int, label: str):
    """A tqdm bar (closed with the block), or a null context when progress is off."""
    import contextlib

    if not enabled:
        return contextlib.nullcontext()
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="sweep", leave=False)


def answer_histogram(x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Probability of each candidate answer "XxY" over the runs (each run's first factorization, or
    its final state if it found none), most probable first."""
    pairs, counts = torch.unique(torch.stack([x, y], 1).cpu(), dim=0, return_counts=True)
    total = int(counts.sum())
    ranked = sorted(zip(pairs.tolist(), counts.tolist()), key=lambda kv: -kv[1])
    return {f"{a}x{b}": c / total for (a, b), c in ranked}


def factor_task(number, out: str | Path | None, *, runs: int = 100, physics: str = "junction",
                method: str = "energy", x_bits: int | None = None, y_bits: int | None = None,
                max_sweeps: int = 5000, seed: int = 0, device="cpu", progress: bool = False,
                plots: bool = True) -> dict:
    """Factor N with ``runs`` independent p-bit chains; write results.json (+ answers.png)."""
    if runs < 1:
        raise RfspinError(f"--runs {runs}: must be >= 1")
    if max_sweeps < 1:
        raise RfspinError(f"--max-sweeps {max_sweeps}: must be >= 1")
    pbit = _pbit(physics)
    dev = resolve_device(device)
    problem = factor_problem(number, method, x_bits, y_bits, device=dev)
    generator = make_generator(dev, seed)
    schedule = default_schedule(problem, max_sweeps)
    start = time.perf_counter()
    with _bar(progress, schedule.total_sweeps, f"factor {problem.number}") as bar:
        result, x, y = run_factor(problem, runs=runs, generator=generator, pbit=pbit, schedule=schedule,
                                  progress=bar.update if bar is not None else None)
    wall = time.perf_counter() - start
    hits = result.first_hit.cpu()
    solved = hits > 0
    sweeps = sorted(hits[solved].tolist())
    found = {}
    for a, b in zip(x[solved].tolist(), y[solved].tolist()):
        found[f"{a}x{b}"] = found.get(f"{a}x{b}", 0) + 1
    metrics = {
        "number": problem.number, "method": method, "physics": physics, "x_bits": problem.x_bits,
        "y_bits": problem.y_bits, "pbits": problem.network.size, "free_pbits": problem.free_pbits,
        "runs": runs, "max_sweeps": max_sweeps, "seed": seed, "device": str(dev),
        "successes": int(solved.sum()), "success_rate": float(solved.float().mean()),
        "median_sweeps_to_solution": statistics.median(sweeps) if sweeps else None,
        "sweeps_to_solution": hits.tolist(), "factorizations_found": found,
        "answer_probability": answer_histogram(x, y),
        "wall_time_s": wall, "median_wall_time_to_solution_s": (statistics.median(sweeps) / result.sweeps * wall
                                                                 if sweeps else None),
    }
    if isinstance(pbit, JunctionPbit):
        metrics["junction_dwell_time_s"] = pbit.junction.balanced_dwell_time
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        if plots:
            from ..plotting.pbits import plot_answer_histogram

            plot_answer_histogram(metrics["answer_probability"], problem.number, out / "answers.png")
        atomic_write_json(out / "results.json", metrics)
    return metrics


def load_graph(source: str, *, allow_negative: bool = False) -> Graph:
    """A graph file, or ``random:DEGREE:SIZE[:SEED]`` for a seeded random regular graph."""
    if source.startswith("random:"):
        parts = source.split(":")[1:]
        try:
            numbers = [int(p) for p in parts]
        except ValueError:
            numbers = []
        if len(numbers) not in (2, 3):
            raise RfspinError(f"graph {source!r}: expected random:DEGREE:SIZE[:SEED], e.g. random:3:800:0")
        return random_regular(numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else 0)
    return read_edge_list(source, allow_negative=allow_negative)


def _neal(graph: Graph, reads: int, sweeps: int, seed: int):
    try:
        import neal
    except ImportError:
        raise RfspinError("the comparison needs dwave-neal: pip install 'rfspin[stochastic]', or pass --no-compare") from None

    couplings = {(int(a), int(b)): float(w) for (a, b), w in zip(graph.edges, graph.weights)}
    start = time.perf_counter()
    result = neal.SimulatedAnnealingSampler().sample_ising({}, couplings, num_reads=reads, num_sweeps=sweeps,
                                                           seed=seed)
    wall = time.perf_counter() - start
    cuts = (graph.weights.sum() - result.record.energy) / 2.0
    return [float(c) for c in cuts], wall


def _sb(graph: Graph, agents: int, steps: int, seed: int):
    import simulated_bifurcation as sb

    matrix = torch.zeros(graph.size, graph.size, dtype=torch.float32)
    edges = torch.as_tensor(graph.edges)
    matrix[edges[:, 0], edges[:, 1]] = torch.as_tensor(graph.weights, dtype=torch.float32)
    matrix = matrix + matrix.T
    with torch.random.fork_rng(devices=[]):  # simulated-bifurcation draws from torch's global generator
        torch.manual_seed(seed)
        start = time.perf_counter()
        spins, _ = sb.minimize(matrix / 2, domain="spin", agents=agents, max_steps=steps, best_only=False,
                               verbose=False, early_stopping=False)
        wall = time.perf_counter() - start
    return cut_values(graph, spins.reshape(-1, graph.size).float()).tolist(), wall


def _calibrated(solver, graph, reads, target_s, seed, first=50):
    """Run ``solver`` with its sweep/step count scaled so that its wall time is about target_s."""
    _, t = solver(graph, reads, first, seed)
    count = max(1, int(first * target_s / max(t, 1e-6)))
    cuts, wall = solver(graph, reads, count, seed)
    return cuts, wall, count


def maxcut_task(source: str, out: str | Path | None, *, runs: int = 32, sweeps: int = 3000, seed: int = 0,
                compare: bool = True, allow_negative: bool = False, device="cpu", plots: bool = True,
                progress: bool = False) -> dict:
    """Max-cut with graph-coloured p-bits; with ``compare`` also dwave-neal and simulated-bifurcation
    given the same wall time (their sweep/step counts calibrated to the p-bits' time)."""
    if runs < 1 or sweeps < 1:
        raise RfspinError(f"--runs {runs} / --sweeps {sweeps}: both must be >= 1")
    graph = load_graph(source, allow_negative=allow_negative)
    dev = resolve_device(device)
    network = maxcut_network(graph, device=dev)
    plan = compile_plan(network, "coloured")
    scale = float(abs(graph.weights).mean())
    trace: list[float] = []

    def best_so_far(states):
        trace.append(float(cut_values(graph, states).max()))
        return torch.zeros(states.shape[0], dtype=torch.bool, device=states.device)

    schedule = AnnealingSchedule(sweeps, 0.1 / scale, 5.0 / scale, "geometric")
    start = time.perf_counter()
    with _bar(progress, sweeps, f"max-cut {graph.name}") as bar:
        result = sample(network, schedule, runs=runs, generator=make_generator(dev, seed), plan=plan,
                        monitor=best_so_far if compare else None, progress=bar.update if bar is not None else None)
    wall = time.perf_counter() - start
    cuts = cut_values(graph, result.states).cpu().tolist()
    metrics = {"graph": graph.name, "nodes": graph.size, "edges": len(graph.edges), "runs": runs, "sweeps": sweeps,
               "colours": result.colors, "seed": seed, "device": str(dev),
               "pbits": {"best_cut": max(cuts), "mean_cut": statistics.fmean(cuts), "wall_time_s": wall,
                         "cuts": cuts}}
    if compare:
        neal_cuts, neal_wall, neal_sweeps = _calibrated(_neal, graph, runs, wall, seed)
        metrics["neal"] = {"best_cut": max(neal_cuts), "mean_cut": statistics.fmean(neal_cuts),
                           "wall_time_s": neal_wall, "sweeps": neal_sweeps}
        try:
            sb_cuts, sb_wall, sb_steps = _calibrated(_sb, graph, runs, wall, seed)
            metrics["simulated_bifurcation"] = {"best_cut": max(sb_cuts), "mean_cut": statistics.fmean(sb_cuts),
                                                "wall_time_s": sb_wall, "steps": sb_steps}
        except ImportError:
            metrics["simulated_bifurcation"] = None
        target = metrics["neal"]["best_cut"]
        reached = [k for k, c in enumerate(trace, start=1) if c >= target]
        metrics["pbits"]["time_to_neal_best_s"] = reached[0] / sweeps * wall if reached else None
        metrics["pbits"]["time_to_99pct_neal_best_s"] = next(
            (k / sweeps * wall for k, c in enumerate(trace, start=1) if c >= 0.99 * target), None)
        metrics["mean_cut_vs_neal_best"] = metrics["pbits"]["mean_cut"] / target
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        if plots and compare:
            from ..plotting.pbits import plot_cut_comparison

            plot_cut_comparison(metrics, out / "cuts.png")
        atomic_write_json(out / "results.json", metrics)
    return metrics


def physical_time_factor(number: int, *, runs: int, beta: float = 30.0, x_bits: int | None = None,
                         y_bits: int | None = None, seed: int = 0, device="cpu", duration: float = 10.0) -> dict:
    """Factor with asynchronous junction p-bits in physical time (no clock): time to solution [s]."""
    from ..stochastic import simulate_physical_time

    dev = resolve_device(device)
    problem = factor_problem(number, "energy", x_bits, y_bits, device=dev)

    def solved(states):
        x, y = decode_factors(problem, states)
        return (x * y == problem.number) & (x > 1) & (y > 1)

    pbit = PHYSICS["junction"]
    result = simulate_physical_time(problem.network, pbit, duration=duration, runs=runs,
                                    generator=make_generator(dev, seed), beta=beta, monitor=solved,
                                    stop_when_all_hit=True)
    times = result.first_hit_time.cpu()
    ok = times >= 0
    return {"number": problem.number, "runs": runs, "beta": beta, "success_rate": float(ok.float().mean()),
            "median_time_to_solution_s": float(times[ok].median()) if bool(ok.any()) else None,
            "median_switching_events": float(result.events.float().median()),
            "junction_dwell_time_s": pbit.junction.balanced_dwell_time}


def _odd_primes_below(limit: int) -> list[int]:
    return [p for p in range(3, limit, 2) if all(p % d for d in range(3, math.isqrt(p) + 1, 2))]


@register_study("borders2019")
def reproduce_borders2019(out_dir: str | Path, seeds: int = 100, epochs: int | None = None, progress: bool = True,
                          device: str = "auto") -> dict:
    """945 = 63 x 15 with 8 junction p-bits (X 6 bits, Y 4 bits), ``seeds`` independent runs, and
    every semiprime p q with odd primes p <= q < 64 (6 x 6-bit registers), ``seeds`` runs each."""
    out = Path(out_dir)
    headline = factor_task(945, out / "n945", runs=seeds, x_bits=6, y_bits=4, device=device, seed=0)
    clockless = physical_time_factor(945, runs=seeds, x_bits=6, y_bits=4, device=device)
    rows = []
    primes = _odd_primes_below(64)
    for i, p in enumerate(primes):
        for q in primes[i:]:
            n = p * q
            bits = (min(6, (n // 3).bit_length()), min(6, math.isqrt(n).bit_length()))
            m = factor_task(n, None, runs=seeds, x_bits=bits[0], y_bits=bits[1], device=device, seed=n)
            rows.append({"N": n, "p": p, "q": q, "free_pbits": m["free_pbits"], "success_rate": m["success_rate"],
                         "median_sweeps": m["median_sweeps_to_solution"],
                         "median_time_s": m["median_wall_time_to_solution_s"]})
            if progress:
                print(f"N = {n} = {p} x {q}: {100 * m['success_rate']:.0f} % in {m['median_sweeps_to_solution']} sweeps")
    lines = [f"| N | p x q | free p-bits | success ({seeds} runs) | median sweeps | median wall time (ms) |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        ms = "-" if r["median_time_s"] is None else f"{1e3 * r['median_time_s']:.1f}"
        lines.append(f"| {r['N']} | {r['p']} x {r['q']} | {r['free_pbits']} | {100 * r['success_rate']:.0f} % | "
                     f"{r['median_sweeps']} | {ms} |")
    head = (f"945 with 8 junction p-bits: {headline['successes']}/{seeds} runs factored, median "
            f"{headline['median_sweeps_to_solution']} sweeps to solution")
    if clockless["median_time_to_solution_s"] is not None:
        head += (f"; asynchronous (physical time, {1e3 * clockless['junction_dwell_time_s']:.3g} ms junctions): "
                 f"{100 * clockless['success_rate']:.0f} %, median {1e3 * clockless['median_time_to_solution_s']:.3g} ms")
    md = head + "\n\n" + "\n".join(lines)
    result = {"study": "borders2019", "runs": seeds, "n945": {k: headline[k] for k in (
        "successes", "success_rate", "median_sweeps_to_solution", "free_pbits", "wall_time_s")},
        "physical_time_945": clockless, "semiprimes": rows, "min_success_rate": min(r["success_rate"] for r in rows), "markdown": md}
    atomic_write_json(out / "reproduce.json", result)
    atomic_write_text(out / "table.md", md + "\n")
    return result
