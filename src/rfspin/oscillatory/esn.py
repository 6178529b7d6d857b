"""Software baseline: a leaky echo-state network (Jaeger 2001; Lukosevicius, "A practical guide to
applying echo state networks", 2012) with the same number of nodes as the oscillator reservoir.

    x_t = (1 - a) x_{t-1} + a tanh(W_in u_t + W x_{t-1} + b)

W: sparse random (10 % connectivity) rescaled to spectral radius rho; W_in, b: uniform in
[-s, s] / sqrt(features) and [-s, s]; x_0 = 0. States of all utterances are computed in one batched
recurrence (padded to the longest, each utterance keeps its own frames). Readout: the same ridge
readout as the oscillator (:mod:`rfspin.oscillatory.readout`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..device import make_generator, random_uniform
from ..errors import RfspinError
from ..validation import check_fields

__all__ = ["EchoStateConfig", "run_echo_state"]


@dataclass(frozen=True)
class EchoStateConfig:
    """nodes N [1]; spectral_radius rho of W [1]; input_scaling s [1]; leak a in (0, 1] [1];
    connectivity: fraction of non-zero recurrent weights [1]; seed [1]."""

    nodes: int = 400
    spectral_radius: float = 0.9
    input_scaling: float = 1.0
    leak: float = 0.3
    connectivity: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        check_fields(self, nodes={"ge": 1, "le": 100_000}, spectral_radius={"ge": 0.0, "le": 10.0},
                     input_scaling={"ge": 0.0, "le": 100.0}, leak={"gt": 0.0, "le": 1.0},
                     connectivity={"gt": 0.0, "le": 1.0}, seed={"ge": 0})


def _weights(features: int, config: EchoStateConfig):
    gen = make_generator("cpu", config.seed)
    n = config.nodes
    w = (2 * random_uniform((n, n), gen, dtype=torch.float64) - 1) * (
        random_uniform((n, n), gen, dtype=torch.float64) < config.connectivity)
    radius = float(torch.linalg.eigvals(w).abs().max()) if n > 1 else float(w.abs().max())
    w = w * (config.spectral_radius / radius) if radius > 0 else w
    w_in = (2 * random_uniform((features, n), gen, dtype=torch.float64) - 1) * config.input_scaling / math.sqrt(features)
    bias = (2 * random_uniform((n,), gen, dtype=torch.float64) - 1) * config.input_scaling
    return w, w_in, bias


def run_echo_state(features: list[np.ndarray], config: EchoStateConfig) -> list[np.ndarray]:
    """States (frames_i, N) float32 of every utterance."""
    if not features:
        raise RfspinError("run_echo_state: no utterances")
    width = features[0].shape[1]
    w, w_in, bias = _weights(width, config)
    out: list[np.ndarray | None] = [None] * len(features)
    order = sorted(range(len(features)), key=lambda i: len(features[i]))
    w_t = w.T.float().contiguous()
    for start in range(0, len(order), 256):  # chunks of similar length: little padding
        idx = order[start: start + 256]
        longest = len(features[idx[-1]])
        inputs = torch.zeros(len(idx), longest, width, dtype=torch.float64)
        for j, i in enumerate(idx):
            inputs[j, : len(features[i])] = torch.from_numpy(np.asarray(features[i], dtype=np.float64))
        drive = (inputs @ w_in + bias).float()  # (utterances, frames, N); recurrence in float32 (speed)
        x = torch.zeros(len(idx), config.nodes)
        states = torch.empty(len(idx), longest, config.nodes)
        for t in range(longest):
            x = (1 - config.leak) * x + config.leak * torch.tanh(drive[:, t] + x @ w_t)
            states[:, t] = x
        for j, i in enumerate(idx):
            out[i] = states[j, : len(features[i])].numpy().copy()
    return out  # type: ignore[return-value]
