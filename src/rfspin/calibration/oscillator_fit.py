"""Least-squares fit of a spin-torque oscillator's emitted power P(I) (universal oscillator model).

Model (:func:`rfspin.physics.oscillator.output_power` with the product A (dR/R beta)^2 R folded
into one power scale S, which is all a P(I) curve determines), plus the noise floor P_0 of the
spectrum analyser:

    P(I) = S * p0(I / I_th) * I^2 + P_0,   p0(zeta) = max(zeta - 1, 0) / (zeta + Q)    [W]

Fitted: I_th [A], Q [1], S [W/A^2], P_0 [W]. The start is a grid over (I_th, Q) with S and P_0
solved linearly; uncertainties from the Jacobian at the optimum as for the resonator fit.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch

from ..errors import RfspinError
from ..physics.oscillator import normalized_power, output_power
from ..physics.params import ROSS2023_OSCILLATOR, OscillatorParams
from .lsq import covariance, jacobian, propagate

__all__ = ["OscillatorFit", "fit_oscillator_power", "oscillator_power_curve"]

_N_PARAMS = 4


def oscillator_power_curve(current_a, threshold_current, nonlinear_damping, power_scale, floor_w=0.0):
    """P(I) [W] for the power scale S = A (dR/R beta)^2 R [W/A^2]; tensors or floats."""
    return output_power(current_a, threshold_current, nonlinear_damping, 1.0, 1.0, 1.0, power_scale) + floor_w


@dataclass(frozen=True)
class OscillatorFit:
    """Fitted oscillator parameters (SI) with 1-sigma uncertainties (same keys, same units)."""

    threshold_current: float  # A
    nonlinear_damping: float  # 1
    power_scale: float  # W/A^2
    noise_floor: float  # W
    uncertainty: dict
    residual_rms_w: float
    n_points: int

    def to_params(self, base: OscillatorParams = ROSS2023_OSCILLATOR) -> OscillatorParams:
        """OscillatorParams with the fitted I_th and Q, and max_output_power = P at the clamp.

        The clamp (``base.max_current_ratio`` I_th) and dR/R, beta, R come from ``base``; with
        them, A = S / ((dR/R beta)^2 R) reproduces the fitted curve exactly.
        """
        zeta = base.max_current_ratio
        p0 = (zeta - 1.0) / (zeta + self.nonlinear_damping)
        p_max = self.power_scale * p0 * (zeta * self.threshold_current) ** 2
        return replace(base, threshold_current=self.threshold_current, nonlinear_damping=self.nonlinear_damping,
                       max_output_power=p_max)

    def to_dict(self) -> dict:
        return asdict(self)


def fit_oscillator_power(current_a, power_w) -> OscillatorFit:
    """Fit I_th, Q, S and the floor to a measured P(I) curve (arrays of the same length)."""
    i = np.asarray(current_a, dtype=np.float64).ravel()
    p = np.asarray(power_w, dtype=np.float64).ravel()
    if i.shape != p.shape:
        raise RfspinError(f"P(I) curve: {i.size} currents but {p.size} powers")
    if i.size < 2 * _N_PARAMS:
        raise RfspinError(f"P(I) curve: {i.size} points; at least {2 * _N_PARAMS} are needed")
    if not (np.isfinite(i).all() and np.isfinite(p).all()):
        raise RfspinError("P(I) curve: contains non-finite currents or powers")
    if (i <= 0).any():
        raise RfspinError(f"P(I) curve: current {i[i <= 0][0]!r} A; currents must be > 0")
    order = np.argsort(i)
    i, p = i[order], p[order]
    pscale = float(np.abs(p).max())
    if pscale == 0:
        raise RfspinError("P(I) curve: all powers are 0; the oscillator never switched on")
    it, pt = torch.from_numpy(i), torch.from_numpy(p)

    # Grid start: I_th inside the measured range, Q in (-1, 20); S and the floor solved linearly.
    ith_grid = torch.linspace(i[0], i[-1], 120, dtype=torch.float64)[1:-1].view(-1, 1, 1)
    q_grid = torch.tensor([-0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0], dtype=torch.float64).view(1, -1, 1)
    shape = normalized_power(it / ith_grid, q_grid) * it**2
    basis = torch.stack([shape, torch.ones_like(shape)], -1)
    gram = basis.transpose(-1, -2) @ basis + 1e-30 * torch.eye(2, dtype=torch.float64)
    coef = torch.linalg.solve(gram, basis.transpose(-1, -2) @ pt.unsqueeze(-1))
    ssr = torch.nan_to_num(((basis @ coef).squeeze(-1) - pt).pow(2).sum(-1), nan=math.inf)
    r, c = divmod(int(torch.argmin(ssr)), ssr.shape[1])
    ith0, q0 = float(ith_grid.flatten()[r]), float(q_grid.flatten()[c])
    s0, floor0 = coef[r, c, :, 0].tolist()
    if not s0 > 0:
        raise RfspinError("P(I) curve: no threshold behaviour found (power does not rise above a threshold)")

    def physical(theta: torch.Tensor):
        return ith0 * torch.exp(theta[0]), (1.0 + q0) * torch.exp(theta[1]) - 1.0, s0 * torch.exp(theta[2]), theta[3] * pscale

    def residuals_t(theta: torch.Tensor) -> torch.Tensor:
        return (oscillator_power_curve(it, *physical(theta)) - pt) / pscale

    # scipy.optimize costs ~0.3 s to import; only calibration fits need it, not every command that
    # imports rfspin.calibration (train reaches it through rfspin.hardware), so import it here.
    from scipy.optimize import least_squares

    result = least_squares(lambda t: residuals_t(torch.from_numpy(t)).numpy(),
                           np.array([0.0, 0.0, 0.0, floor0 / pscale]), jac="2-point", method="trf",
                           x_scale=1.0, xtol=1e-12, ftol=1e-12, max_nfev=4000)
    if not np.all(np.isfinite(result.x)):
        raise RfspinError("oscillator fit diverged (non-finite parameters)")
    theta = torch.from_numpy(result.x)
    cov = covariance(jacobian(residuals_t, theta), result.fun,
                     "oscillator fit (measure both below and well above threshold)")
    names = ("threshold_current", "nonlinear_damping", "power_scale", "noise_floor")
    values, sigma = propagate(lambda t: torch.stack(physical(t)), theta, cov)
    vals = dict(zip(names, values))
    ssr_fit = float(np.sum(result.fun**2))
    return OscillatorFit(**vals, uncertainty=dict(zip(names, sigma)),
                         residual_rms_w=math.sqrt(ssr_fit / i.size) * pscale, n_points=i.size)
