"""Shared least-squares helpers: exact Jacobians by forward-mode autodiff, parameter covariance."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.autograd.forward_ad as fwAD
from torch import Tensor

from ..errors import RfspinError

__all__ = ["jacobian", "covariance", "propagate"]


def jacobian(fn: Callable[[Tensor], Tensor], theta: Tensor) -> np.ndarray:
    """d fn / d theta (outputs x parameters), one forward-mode pass per parameter (few parameters)."""
    columns = []
    for i in range(theta.numel()):
        tangent = torch.zeros_like(theta)
        tangent[i] = 1.0
        with fwAD.dual_level():
            out = fn(fwAD.make_dual(theta, tangent))
            columns.append(fwAD.unpack_dual(out).tangent)
    return torch.stack(columns, -1).numpy()


def covariance(jac: np.ndarray, residuals: np.ndarray, what: str) -> np.ndarray:
    """cov = s^2 (J^T J)^-1 with s^2 = SSR / (n - p); ValueError when J^T J is singular."""
    n, p = jac.shape
    gram = jac.T @ jac
    if not np.all(np.isfinite(gram)) or np.linalg.cond(gram) > 1e14:
        raise RfspinError(f"{what}: parameters are not identifiable from these data (singular Jacobian)")
    return np.linalg.inv(gram) * float(np.sum(residuals**2)) / (n - p)


def propagate(fn: Callable[[Tensor], Tensor], theta: Tensor, cov: np.ndarray) -> tuple[list[float], list[float]]:
    """Values of ``fn(theta)`` and their 1-sigma uncertainties (delta method)."""
    jd = jacobian(fn, theta)
    sigma = np.sqrt(np.clip(np.diag(jd @ cov @ jd.T), 0.0, None))
    return fn(theta).tolist(), sigma.tolist()
