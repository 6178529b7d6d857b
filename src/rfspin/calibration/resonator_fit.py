"""Least-squares fit of a spin-diode resonator to a measured rectified-voltage spectrum V(f).

Model (the lineshape of :func:`rfspin.physics.resonator.lineshape`, at a known RF power P, plus a
DC offset of the measurement chain):

    V(f) = P * K * (2 a_A x + 2 a_S) / (1 + x^2) + V_0,   x = (f - f_r) / (alpha f_r)

Only the products K a_A and K a_S are identifiable from one spectrum, so the fit reports
K = hypot(K a_A, K a_S) with a_A^2 + a_S^2 = 1 (the reference device, a_A = 1, a_S = 0, keeps its
K). Fitted parameters are scaled to O(1) (f_r in initial linewidths, log alpha, voltages in units
of the largest measured |V|); the start comes from a grid search over (f_r, alpha) in which the
linear parameters are solved exactly (variable projection), so no user guess is needed.
Uncertainties (1 sigma) come from the exact Jacobian at the optimum,
cov = s^2 (J^T J)^-1 with s^2 = SSR / (n - p), propagated to derived values by the delta method.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch

from ..errors import RfspinError
from ..physics.params import ROSS2023_RESONATOR, ResonatorParams
from ..physics.resonator import lineshape
from .lsq import covariance, jacobian, propagate

__all__ = ["ResonatorFit", "fit_resonator_spectrum", "resonator_spectrum", "synthetic_spectrum"]

_N_PARAMS = 5


def resonator_spectrum(frequency_hz, resonance_frequency, damping, sensitivity_a, sensitivity_s, power_w, offset_v=0.0):
    """V(f) [V] for K a_A = ``sensitivity_a``, K a_S = ``sensitivity_s`` [V/W] at RF power P [W].

    Works on tensors (differentiable) and on floats.
    """
    g = lineshape(frequency_hz, resonance_frequency, 1.0, damping, sensitivity_a, sensitivity_s)
    return power_w * g + offset_v


@dataclass(frozen=True)
class ResonatorFit:
    """Fitted resonator parameters (SI) with 1-sigma uncertainties (same keys, same units)."""

    resonance_frequency: float  # Hz
    damping: float  # 1; half linewidth = damping * resonance_frequency
    sensitivity: float  # V/W
    antisymmetric_weight: float  # 1
    symmetric_weight: float  # 1
    offset_voltage: float  # V
    uncertainty: dict
    residual_rms_v: float
    n_points: int
    power_w: float

    @property
    def half_linewidth(self) -> float:
        return self.damping * self.resonance_frequency

    def to_params(self, base: ResonatorParams = ROSS2023_RESONATOR) -> ResonatorParams:
        """A ResonatorParams with the fitted K, alpha, a_A, a_S (band and resistance from ``base``)."""
        return replace(
            base,
            sensitivity=self.sensitivity,
            damping=self.damping,
            antisymmetric_weight=self.antisymmetric_weight,
            symmetric_weight=self.symmetric_weight,
        )

    def to_dict(self) -> dict:
        return asdict(self)


def _check_inputs(frequency_hz: np.ndarray, voltage_v: np.ndarray, power_w: float) -> tuple[np.ndarray, np.ndarray]:
    f = np.asarray(frequency_hz, dtype=np.float64).ravel()
    v = np.asarray(voltage_v, dtype=np.float64).ravel()
    if f.shape != v.shape:
        raise RfspinError(f"spectrum: {f.size} frequencies but {v.size} voltages")
    if f.size < 2 * _N_PARAMS:
        raise RfspinError(f"spectrum: {f.size} points; at least {2 * _N_PARAMS} are needed to fit {_N_PARAMS} parameters")
    if not (np.isfinite(f).all() and np.isfinite(v).all()):
        raise RfspinError("spectrum: contains non-finite frequencies or voltages")
    if (f <= 0).any():
        raise RfspinError(f"spectrum: frequency {f[f <= 0][0]!r} Hz; frequencies must be > 0")
    if not (math.isfinite(power_w) and power_w > 0):
        raise RfspinError(f"RF power = {power_w!r} W: must be finite and > 0")
    order = np.argsort(f)
    f, v = f[order], v[order]
    if np.unique(f).size < 2 * _N_PARAMS:
        raise RfspinError("spectrum: too few distinct frequencies for a fit")
    if not np.any(v != v[0]):
        raise RfspinError("spectrum: the voltage is constant; there is no resonance to fit")
    return f, v


def _grid_start(f: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """(f_r, alpha) of the best grid point, the linear parameters solved exactly at each."""
    span = f[-1] - f[0]
    step = np.median(np.diff(f))
    thin = max(1, f.size // 256)  # the start needs the shape, not every point
    f, v = f[::thin], v[::thin]
    centre = float(f.mean())
    f_r = torch.linspace(f[0], f[-1], 81, dtype=torch.float64)
    hwhm = torch.logspace(math.log10(max(step, 1e-9 * centre)), math.log10(span / 3), 24, dtype=torch.float64)
    alpha = hwhm / centre
    ft = torch.from_numpy(f)
    fr = f_r.view(-1, 1, 1)
    al = alpha.view(1, -1, 1)
    basis_a = lineshape(ft, fr, 1.0, al, 1.0, 0.0)  # (R, A, n)
    basis_s = lineshape(ft, fr, 1.0, al, 0.0, 1.0)
    basis = torch.stack([basis_a, basis_s, torch.ones_like(basis_a)], -1)  # (R, A, n, 3)
    vt = torch.from_numpy(v)
    gram = basis.transpose(-1, -2) @ basis + 1e-12 * torch.eye(3, dtype=torch.float64)
    coef = torch.linalg.solve(gram, basis.transpose(-1, -2) @ vt.unsqueeze(-1))
    ssr = ((basis @ coef).squeeze(-1) - vt).pow(2).sum(-1)
    ssr = torch.nan_to_num(ssr, nan=math.inf)
    r, a = divmod(int(torch.argmin(ssr)), ssr.shape[1])
    return float(f_r[r]), float(alpha[a])


def fit_resonator_spectrum(frequency_hz, voltage_v, power_w: float = 1e-6) -> ResonatorFit:
    """Fit f_r, alpha, K, a_A, a_S and the offset to a spectrum measured at RF power ``power_w``.

    ``frequency_hz``, ``voltage_v``: 1-D arrays of the same length (any order). Raises ValueError
    for unusable data and when the optimum is not finite or the Jacobian is singular.
    """
    f, v = _check_inputs(frequency_hz, voltage_v, float(power_w))
    fr0, alpha0 = _grid_start(f, v)
    vscale = float(np.abs(v).max())
    ft, vt = torch.from_numpy(f), torch.from_numpy(v)
    unit = alpha0 * fr0

    def physical(theta: torch.Tensor):
        fr = fr0 + unit * theta[0]
        return fr, torch.exp(theta[1]), theta[2] * vscale / power_w, theta[3] * vscale / power_w, theta[4] * vscale

    def residuals_t(theta: torch.Tensor) -> torch.Tensor:
        fr, alpha, ka, ks, v0 = physical(theta)
        return (resonator_spectrum(ft, fr, alpha, ka, ks, power_w, v0) - vt) / vscale

    # Linear parameters at the grid start, then the full non-linear fit.
    basis = torch.stack([lineshape(ft, fr0, 1.0, alpha0, 1.0, 0.0), lineshape(ft, fr0, 1.0, alpha0, 0.0, 1.0),
                         torch.full_like(ft, 1.0 / power_w)], -1) * power_w / vscale
    lin = torch.linalg.lstsq(basis, (vt / vscale).unsqueeze(-1)).solution.squeeze(-1)
    start = np.array([0.0, math.log(alpha0), *lin.tolist()])

    def fun(theta):
        return residuals_t(torch.from_numpy(theta)).numpy()

    # scipy.optimize costs ~0.3 s to import; only calibration fits need it, not every command that
    # imports rfspin.calibration (train reaches it through rfspin.hardware), so import it here.
    from scipy.optimize import least_squares

    result = least_squares(fun, start, jac="2-point", method="lm", xtol=1e-12, ftol=1e-12, max_nfev=2000)
    if not np.all(np.isfinite(result.x)):
        raise RfspinError("resonator fit diverged (non-finite parameters); check the spectrum and RF power")
    theta = torch.from_numpy(result.x)

    def derived(t: torch.Tensor) -> torch.Tensor:
        fr, alpha, ka, ks, v0 = physical(t)
        k = torch.sqrt(ka * ka + ks * ks)
        return torch.stack([fr, alpha, k, ka / k, ks / k, v0])

    n = f.size
    cov = covariance(jacobian(residuals_t, theta), result.fun, "resonator fit (measure a wider window around "
                     "the resonance)")
    values, sigma = propagate(derived, theta, cov)
    ssr = float(np.sum(result.fun**2))
    names = ("resonance_frequency", "damping", "sensitivity", "antisymmetric_weight", "symmetric_weight", "offset_voltage")
    vals = dict(zip(names, values))
    if not (vals["damping"] > 0 and all(math.isfinite(x) for x in vals.values())):
        raise RfspinError(f"resonator fit gave unphysical values {vals}")
    return ResonatorFit(
        **vals,
        uncertainty=dict(zip(names, sigma)),
        residual_rms_v=math.sqrt(ssr / n) * vscale,
        n_points=n,
        power_w=float(power_w),
    )


def synthetic_spectrum(
    params: ResonatorParams,
    resonance_frequency: float,
    *,
    power_w: float = 1e-6,
    n_points: int = 1001,
    half_window_linewidths: float = 8.0,
    snr_db: float = 20.0,
    generator: torch.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A simulated (not measured) spectrum with white Gaussian noise at ``snr_db``.

    SNR = mean(V_clean^2) / sigma_noise^2 over the sampled window f_r +- ``half_window_linewidths``
    half linewidths. Returns (frequency_hz, voltage_v).
    """
    delta = params.damping * resonance_frequency
    f = torch.linspace(resonance_frequency - half_window_linewidths * delta,
                       resonance_frequency + half_window_linewidths * delta, n_points, dtype=torch.float64)
    clean = resonator_spectrum(f, resonance_frequency, params.damping, params.sensitivity * params.antisymmetric_weight,
                               params.sensitivity * params.symmetric_weight, power_w)
    sigma = float(clean.pow(2).mean().sqrt()) * 10 ** (-snr_db / 20)
    noise = torch.randn(n_points, generator=generator, dtype=torch.float64) * sigma
    return f.numpy(), (clean + noise).numpy()
