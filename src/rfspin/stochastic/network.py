"""Sparse Ising networks of p-bits with pairwise and higher-order couplings.

Energy of spins m in {-1, +1}^n (dimensionless):

    E(m) = - sum_{i<j} J_ij m_i m_j - sum_i h_i m_i - sum_t K_t prod_{i in t} m_i + E_0

with J symmetric and zero on the diagonal, stored as a torch sparse CSR matrix, and the 3- and
4-body terms t stored as index arrays. The local field of p-bit i is I_i = -dE/dm_i =
sum_j J_ij m_j + h_i + sum_{t containing i} K_t prod_{j in t, j != i} m_j.

Graph colouring (no two coupled p-bits share a colour; the members of a higher-order term are
all coupled) lets one colour update in parallel (Aadit et al., Nat. Electron. 5, 460 (2022)):
networkx's greedy colouring for small graphs, a vectorised random-priority colouring (each round
colours the uncoloured p-bits whose priority beats all uncoloured neighbours) for big ones.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from ..errors import RfspinError
from .polynomial import Polynomial

__all__ = ["PbitNetwork", "color_network", "csr_tensor", "energy", "ising_network", "local_fields", "network_from_polynomial"]


def csr_tensor(matrix, dtype: torch.dtype, device) -> Tensor:
    """A scipy CSR matrix as a torch sparse CSR tensor (torch's "beta" warning silenced)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(
            torch.as_tensor(matrix.indptr, dtype=torch.int64), torch.as_tensor(matrix.indices, dtype=torch.int64),
            torch.as_tensor(matrix.data, dtype=dtype), size=matrix.shape, check_invariants=False).to(device)


class PbitNetwork(NamedTuple):
    """Tensors of an Ising network (see the module docstring).

    Fields: size n; couplings J (n x n sparse CSR, symmetric); biases h (n,); terms: a tuple of
    (indices (T, k) long, weights (T,)) for each order k >= 3; offset E_0 (a float).
    """

    size: int
    couplings: Tensor
    biases: Tensor
    terms: tuple[tuple[Tensor, Tensor], ...]
    offset: float

    @property
    def device(self) -> torch.device:
        return self.biases.device

    @property
    def dtype(self) -> torch.dtype:
        return self.biases.dtype

    def pair_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, cols, values) of J as numpy arrays (both triangles)."""
        csr = self.couplings.to("cpu")
        crow = csr.crow_indices().numpy()
        rows = np.repeat(np.arange(self.size), np.diff(crow))
        return rows, csr.col_indices().numpy(), csr.values().numpy()


def ising_network(size: int, edges=None, weights=None, biases=None, terms=None, offset: float = 0.0, *,
                  device=None, dtype: torch.dtype = torch.float32) -> PbitNetwork:
    """A :class:`PbitNetwork` from edge arrays.

    ``edges`` (E, 2) integer pairs i != j, each undirected pair once (duplicates add up);
    ``weights`` (E,) the J_ij (default 1); ``biases`` (n,) h; ``terms`` a dict order -> (indices
    (T, order), weights (T,)) for the 3- and 4-body terms.
    """
    device = torch.device(device or "cpu")
    if size < 1:
        raise RfspinError(f"network size {size}: must be >= 1")
    e = np.zeros((0, 2), dtype=np.int64) if edges is None else np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    w = np.ones(len(e)) if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(w) != len(e):
        raise RfspinError(f"{len(e)} edges but {len(w)} weights")
    if len(e) and (e.min() < 0 or e.max() >= size):
        raise RfspinError(f"edge indices must be in 0..{size - 1}, got {e.min()}..{e.max()}")
    if np.any(e[:, 0] == e[:, 1]):
        raise RfspinError(f"self loop on p-bit {int(e[e[:, 0] == e[:, 1]][0, 0])}: a p-bit cannot couple to itself")
    if not np.all(np.isfinite(w)):
        raise RfspinError("coupling weights must be finite")
    rows = np.concatenate([e[:, 0], e[:, 1]])
    cols = np.concatenate([e[:, 1], e[:, 0]])
    vals = np.concatenate([w, w])
    import scipy.sparse as sp

    csr = sp.csr_matrix((vals, (rows, cols)), shape=(size, size))
    csr.sum_duplicates()
    csr.sort_indices()
    couplings = csr_tensor(csr, dtype, device)
    h = torch.zeros(size, dtype=dtype) if biases is None else torch.as_tensor(np.asarray(biases), dtype=dtype)
    if h.shape != (size,):
        raise RfspinError(f"biases: shape {tuple(h.shape)}, expected ({size},)")
    packed = []
    for order, (idx, wt) in sorted((terms or {}).items()):
        idx = torch.as_tensor(np.asarray(idx, dtype=np.int64).reshape(-1, order))
        wt = torch.as_tensor(np.asarray(wt, dtype=np.float64).reshape(-1), dtype=dtype)
        if order < 3 or len(idx) != len(wt):
            raise RfspinError(f"terms of order {order}: need order >= 3 and one weight per term")
        if len(idx) and (int(idx.min()) < 0 or int(idx.max()) >= size):
            raise RfspinError(f"term indices must be in 0..{size - 1}")
        if len(idx):
            packed.append((idx.to(device), wt.to(device)))
    return PbitNetwork(size, couplings, h.to(device), tuple(packed), float(offset))


def network_from_polynomial(spin_energy: Polynomial, size: int | None = None, *, scale: float = 1.0,
                            device=None, dtype: torch.dtype = torch.float32) -> PbitNetwork:
    """Compile a spin polynomial E(s) (:mod:`.polynomial`) into a network with energy E / ``scale``."""
    size = size if size is not None else 1 + max((i for m in spin_energy for i in m), default=0)
    edges, weights, biases = [], [], np.zeros(size)
    by_order: dict[int, tuple[list, list]] = {}
    offset = 0.0
    for mono, c in spin_energy.items():
        c = c / scale
        if len(mono) == 0:
            offset += c
        elif len(mono) == 1:
            biases[mono[0]] -= c
        elif len(mono) == 2:
            edges.append(mono)
            weights.append(-c)
        else:
            idx, wt = by_order.setdefault(len(mono), ([], []))
            idx.append(mono)
            wt.append(-c)
    terms = {k: (np.array(i), np.array(w)) for k, (i, w) in by_order.items()}
    return ising_network(size, np.array(edges, dtype=np.int64).reshape(-1, 2), weights, biases, terms, offset,
                         device=device, dtype=dtype)


def local_fields(network: PbitNetwork, states: Tensor) -> Tensor:
    """I = -dE/dm for ``states`` (runs, n) of +-1: (runs, n)."""
    fields = (network.couplings @ states.T).T + network.biases
    for idx, wt in network.terms:
        members = states[:, idx]  # (runs, T, k)
        product = members.prod(-1)
        for position in range(idx.shape[1]):
            # prod over the others = product * m_i, since m_i^2 = 1
            fields.index_add_(1, idx[:, position], wt * product * members[:, :, position])
    return fields


def energy(network: PbitNetwork, states: Tensor) -> Tensor:
    """E(m) for ``states`` (runs, n) of +-1: (runs,)."""
    pair = (network.couplings @ states.T).T
    e = -0.5 * (pair * states).sum(-1) - states @ network.biases + network.offset
    for idx, wt in network.terms:
        e = e - (states[:, idx].prod(-1) * wt).sum(-1)
    return e


def _interaction_edges(network: PbitNetwork) -> tuple[np.ndarray, np.ndarray]:
    rows, cols, _ = network.pair_arrays()
    us, vs = [rows], [cols]
    for idx, _ in network.terms:
        idx = idx.cpu().numpy()
        for a in range(idx.shape[1]):
            for b in range(idx.shape[1]):
                if a != b:
                    us.append(idx[:, a])
                    vs.append(idx[:, b])
    return np.concatenate(us), np.concatenate(vs)


def _has_networkx() -> bool:
    import importlib.util

    return importlib.util.find_spec("networkx") is not None


def color_network(network: PbitNetwork, method: str = "auto", seed: int = 0) -> np.ndarray:
    """Colours (n,) int64 such that no two coupled p-bits share one; colours 0..C-1.

    ``method``: "greedy" (networkx largest-first), "parallel" (vectorised random priorities) or
    "auto" (greedy up to 20,000 p-bits when networkx is installed).
    """
    u, v = _interaction_edges(network)
    n = network.size
    if method == "auto":
        method = "greedy" if n <= 20_000 and _has_networkx() else "parallel"
    if method == "greedy":
        if not _has_networkx():
            raise RfspinError("greedy colouring needs networkx (pip install 'rfspin[stochastic]'); use 'parallel'")
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(zip(u.tolist(), v.tolist()))
        coloring = nx.greedy_color(graph, strategy="largest_first")
        return np.array([coloring[i] for i in range(n)], dtype=np.int64)
    if method != "parallel":
        raise RfspinError(f"colouring method {method!r}: must be auto, greedy or parallel")
    keep = u != v
    u, v = u[keep], v[keep]
    priority = np.random.default_rng(seed).permutation(n)
    colors = np.full(n, -1, dtype=np.int64)
    color = 0
    while (colors < 0).any():
        open_edge = (colors[u] < 0) & (colors[v] < 0)
        beaten = np.zeros(n, dtype=bool)
        lose = open_edge & (priority[v] > priority[u])
        beaten[u[lose]] = True
        chosen = (colors < 0) & ~beaten
        colors[chosen] = color
        color += 1
    return colors
