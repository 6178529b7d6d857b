"""How a model's CPU work is spread over threads while it trains or is evaluated.

A dense RF network spends its CPU time in rfspin's compiled chain kernels (the exact lineshape
sums, :mod:`rfspin.physics.chain_kernel_numba`), not in torch's operations. torch's OpenMP
workers spin for milliseconds after each of torch's parallel regions, so while torch runs on
several threads the other cores are taken and a kernel cannot use them (measured on 2 cores:
splitting the kernel's rows over 2 threads is then no faster than 1). :func:`kernel_thread_plan`
therefore runs torch's own (small) operations on one thread and splits the kernels' rows over all
threads: the drone network's train step, 2 cores, 4.1 ms against 4.9 ms with torch on both.
Anything else keeps torch's threads: CNNs (their convolutions are torch's), software models, GPUs,
and networks whose kernels are long enough to outlast the spinning (:func:`uses_kernel_threads`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from ..device import module_device
from ..errors import RfspinError
from ..physics.chain_kernel_numba import PARALLEL_MIN_WORK
from ..physics.numba_support import numba_or_none, set_kernel_threads
from .engine import LayerKind, rf_layers

__all__ = ["kernel_thread_plan", "uses_kernel_threads"]


def uses_kernel_threads(model: nn.Module) -> bool:
    """True for a dense RF network on the CPU with numba (chain layers, no RF convolution) whose
    largest chain layer is below PARALLEL_MIN_WORK pairs: larger kernels run long enough to be
    split over torch's threads anyway (MNIST's 784 x 300 layer: one epoch 3.4 s that way against
    3.9 s with torch on one thread, 2 cores)."""
    layers = rf_layers(model)
    if module_device(model).type != "cpu" or any(kind is LayerKind.CONV_CHAINS for _, kind in layers):
        return False
    pairs = [m.n_resonators * m.n_inputs for m, kind in layers if kind is LayerKind.CHAINS]
    return bool(pairs) and max(pairs) < PARALLEL_MIN_WORK and numba_or_none() is not None


@contextmanager
def kernel_thread_plan(model: nn.Module, threads: int | None = None) -> Iterator[bool]:
    """While active, for a model where :func:`uses_kernel_threads`: the compiled kernels split their
    rows over ``threads`` threads (default: torch.get_num_threads() on entry) and torch runs on one;
    both settings are restored on exit. Yields whether the plan applies (otherwise nothing changes)."""
    if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool) or threads < 1):
        raise RfspinError(f"threads = {threads!r}: must be None (torch.get_num_threads()) or an integer >= 1")
    threads = torch.get_num_threads() if threads is None else threads
    if threads <= 1 or not uses_kernel_threads(model):
        yield False
        return
    torch_threads = torch.get_num_threads()
    previous = set_kernel_threads(threads)
    torch.set_num_threads(1)
    try:
        yield True
    finally:
        torch.set_num_threads(torch_threads)
        set_kernel_threads(previous)
