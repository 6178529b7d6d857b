"""Max-cut as an Ising problem, solved with graph-coloured p-bits.

Cut of a partition s in {-1, +1}^n of a weighted graph: C(s) = sum_{(i,j)} w_ij (1 - s_i s_j) / 2.
Maximising C is minimising E(s) = sum_{(i,j)} w_ij s_i s_j, i.e. couplings J_ij = -w_ij (an
antiferromagnet on the graph). Graphs come from an edge-list file (one ``i j [w]`` per line, ``#``
comments) or from networkx's seeded random regular graphs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ..errors import RfspinError, RfspinFileNotFoundError
from .network import PbitNetwork, ising_network
from .sampler import AnnealingSchedule, compile_plan, sample

__all__ = ["Graph", "cut_values", "maxcut_network", "random_regular", "read_edge_list", "solve_maxcut"]

#: Largest edge-list file read (bytes).
MAX_GRAPH_BYTES = 1 << 30


@dataclass(frozen=True)
class Graph:
    """An undirected weighted graph: ``size`` nodes 0..n-1, ``edges`` (E, 2) int64, ``weights`` (E,)."""

    size: int
    edges: np.ndarray
    weights: np.ndarray
    name: str = "graph"


def read_edge_list(path: str | Path, *, allow_negative: bool = False) -> Graph:
    """Read ``i j [weight]`` lines; nodes are non-negative integers (n = largest + 1).

    Errors (one line, naming the file and line): a missing file, a malformed line, a self loop, a
    repeated edge, a non-finite weight, a negative weight unless ``allow_negative``, no edges.
    """
    path = Path(path)
    if not path.is_file():
        raise RfspinFileNotFoundError(f"graph file {str(path)!r} not found")
    if path.stat().st_size > MAX_GRAPH_BYTES:
        raise RfspinError(f"graph file {str(path)!r} is larger than {MAX_GRAPH_BYTES} bytes")
    edges, weights, seen = [], [], set()
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            where = f"{path.name} line {number}"
            parts = text.replace(",", " ").split()
            if len(parts) not in (2, 3):
                raise RfspinError(f"{where}: expected 'i j [weight]', got {text[:60]!r}")
            try:
                i, j = int(parts[0]), int(parts[1])
            except ValueError:
                raise RfspinError(f"{where}: node ids must be integers, got {text[:60]!r}") from None
            try:
                w = float(parts[2]) if len(parts) == 3 else 1.0
            except ValueError:
                raise RfspinError(f"{where}: weight must be a number, got {parts[2][:30]!r}") from None
            if i < 0 or j < 0:
                raise RfspinError(f"{where}: node ids must be >= 0, got {i} {j}")
            if i == j:
                raise RfspinError(f"{where}: self loop on node {i} (a node cannot be cut from itself)")
            if not np.isfinite(w):
                raise RfspinError(f"{where}: weight {parts[2]!r} is not finite")
            if w < 0 and not allow_negative:
                raise RfspinError(f"{where}: negative weight {w:g}; pass --allow-negative for signed max-cut")
            key = (min(i, j), max(i, j))
            if key in seen:
                raise RfspinError(f"{where}: edge {key[0]}-{key[1]} appears twice")
            seen.add(key)
            edges.append(key)
            weights.append(w)
    if not edges:
        raise RfspinError(f"graph file {str(path)!r} has no edges")
    e = np.array(edges, dtype=np.int64)
    return Graph(int(e.max()) + 1, e, np.array(weights), path.stem)


def random_regular(degree: int, size: int, seed: int) -> Graph:
    """networkx's random ``degree``-regular graph on ``size`` nodes (unit weights), seeded."""
    try:
        import networkx as nx
    except ImportError:
        raise RfspinError("random graphs need networkx: pip install 'rfspin[stochastic]'") from None
    if degree < 1 or size <= degree or (degree * size) % 2:
        raise RfspinError(f"random regular graph: degree {degree} and size {size} need size > degree, "
                          "degree x size even")
    graph = nx.random_regular_graph(degree, size, seed=seed)
    edges = np.array(sorted(graph.edges()), dtype=np.int64)
    return Graph(size, edges, np.ones(len(edges)), f"rrg{degree}-{size}-seed{seed}")


def maxcut_network(graph: Graph, *, device=None, dtype: torch.dtype = torch.float32) -> PbitNetwork:
    """Ising network with J_ij = -w_ij: its ground states are the maximum cuts."""
    return ising_network(graph.size, graph.edges, -graph.weights, device=device, dtype=dtype)


def cut_values(graph: Graph, states: Tensor) -> Tensor:
    """Cut value of every partition in ``states`` (runs, n) of +-1: (runs,) float64."""
    edges = torch.as_tensor(graph.edges, device=states.device)
    w = torch.as_tensor(graph.weights, dtype=torch.float64, device=states.device)
    different = states[:, edges[:, 0]] != states[:, edges[:, 1]]
    return (different.double() * w).sum(1)


def solve_maxcut(graph: Graph, *, runs: int, sweeps: int, generator: torch.Generator, beta_start: float = 0.1,
                 beta_end: float = 5.0, device=None, network: PbitNetwork | None = None,
                 plan=None, progress=None) -> tuple[Tensor, Tensor, int]:
    """Anneal ``runs`` graph-coloured p-bit chains (geometric beta ramp, ideal p-bits, in units of
    the mean |w|). Returns (final cut per run, final states (runs, n), number of colours)."""
    network = network or maxcut_network(graph, device=device)
    scale = float(np.abs(graph.weights).mean())
    schedule = AnnealingSchedule(sweeps, beta_start / scale, beta_end / scale, "geometric")
    plan = plan or compile_plan(network, "coloured")
    result = sample(network, schedule, runs=runs, generator=generator, plan=plan, progress=progress)
    return cut_values(graph, result.states), result.states, result.colors
