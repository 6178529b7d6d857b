"""numba for the compiled passes of :mod:`rfspin.physics` (and :mod:`rfspin.nonideal`): imported on
first use, configured once, and the one test of whether a compiled pass applies to some tensors.

The passes themselves live beside the tensor code they replace (chain kernels, oscillator
neurons, tuning map); each module builds its kernels lazily (numba's compile or disk-cache load
costs time only when the pass is first needed).
"""

from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import torch
from torch import Tensor

from ..errors import RfspinError

__all__ = ["cpu_float_tensors", "kernel_threads", "numba_or_none", "run_row_blocks", "set_kernel_threads"]

#: Threads of the row-split compiled passes when set by :func:`set_kernel_threads` (None: follow
#: torch.get_num_threads() for passes of at least ``legacy_min_work``).
_KERNEL_THREADS: list[int | None] = [None]
#: Work (pairs) from which a pass is split when kernel threads are set: below, handing a block to
#: a worker thread (~20 us) costs more than it saves.
SPLIT_MIN_WORK = 1 << 20


@functools.lru_cache(maxsize=1)
def numba_or_none():
    """The numba module, or None where it cannot be imported (callers keep their tensor passes)."""
    try:
        import numba
    except ImportError:
        return None
    if "NUMBA_THREADING_LAYER" not in os.environ:
        numba.config.THREADING_LAYER = "workqueue"  # OpenMP workers spin and take CPU from torch
    return numba


def cpu_float_tensors(*tensors: Tensor) -> bool:
    """True when every tensor is on the CPU in one float dtype (float32 or float64) and torch.compile
    is not tracing: the conditions of every compiled pass (numba sees numpy views of them)."""
    if torch.compiler.is_compiling():
        return False
    dtype = tensors[0].dtype
    return dtype in (torch.float32, torch.float64) and all(t.device.type == "cpu" and t.dtype == dtype
                                                          for t in tensors)


def set_kernel_threads(threads: int | None) -> int | None:
    """Run the row-split compiled passes on ``threads`` threads (None: the default rule, see
    :func:`kernel_threads`); returns the previous setting. Process-wide, like torch.set_num_threads."""
    if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool) or threads < 1):
        raise RfspinError(f"kernel threads = {threads!r}: must be None or an integer >= 1")
    previous, _KERNEL_THREADS[0] = _KERNEL_THREADS[0], threads
    return previous


def kernel_threads(work: int, legacy_min_work: int) -> int:
    """Threads for a compiled pass of ``work`` pairs. Set explicitly (:func:`set_kernel_threads`,
    meant with torch on one thread: torch's OpenMP workers spin for milliseconds after each of its
    parallel regions and would take the cores): that many from SPLIT_MIN_WORK on. Otherwise
    torch.get_num_threads() from ``legacy_min_work`` on (large passes outweigh the contention), else 1."""
    threads = _KERNEL_THREADS[0]
    if threads is not None:
        return threads if work >= SPLIT_MIN_WORK else 1
    return torch.get_num_threads() if work >= legacy_min_work else 1


_POOL: list = [None, 0]
_POOL_LOCK = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    with _POOL_LOCK:
        if _POOL[1] < workers:  # grows only; idle workers block (no spinning)
            if _POOL[0] is not None:
                _POOL[0].shutdown(wait=False)
            _POOL[0], _POOL[1] = ThreadPoolExecutor(workers, thread_name_prefix="rfspin-kernel"), workers
        return _POOL[0]


def run_row_blocks(kernel, n_rows: int, threads: int, args_for) -> None:
    """``kernel(*args_for(start, stop))`` over contiguous blocks of rows, one per thread (the
    calling thread takes the first; the others run on a pool of Python threads, the compiled
    kernels release the GIL). Rows are independent, so the result does not depend on ``threads``."""
    parts = max(1, min(threads, n_rows))
    if parts == 1:
        kernel(*args_for(0, n_rows))
        return
    bounds = [n_rows * p // parts for p in range(parts + 1)]
    pool = _pool(parts - 1)
    futures = [pool.submit(kernel, *args_for(bounds[p], bounds[p + 1])) for p in range(1, parts)]
    try:
        kernel(*args_for(bounds[0], bounds[1]))
    finally:
        for future in futures:
            future.result()
