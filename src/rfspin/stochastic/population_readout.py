"""Decoding a junction population: ridge readout, target functions and function approximation.

The population of :mod:`rfspin.stochastic.population` turns an input x into switch counts N_i
in a window T; a trained linear readout turns the counts into an output (Mizrahi et al., Nat.
Commun. 9, 1533 (2018): "the represented function is computed as a weighted sum of the rates"):

    y_hat(x) = b + sum_i w_i f_i,    f_i = (N_i / T - mu_i) / s_i                  [output units]

with (mu_i, s_i) the training mean and spread of rate i. Weights by ridge regression in closed
form, w = V diag(s_k / (s_k^2 + lambda)) U^T (y - mean y) from the SVD F = U diag(s) V^T of the
centred training features; lambda is chosen on a grid by exact leave-one-out cross-validation
(residual_j / (1 - H_jj), H the hat matrix; Hastie, Tibshirani & Friedman, Elements of
Statistical Learning, 2nd ed., eq. 7.52 / section 7.10). Training on simulated (noisy) counts
lets the readout weigh representation error against count noise itself.

The decoded noise is Var y_hat = sum_i (w_i / s_i)^2 Var N_i / T^2, and Var N_i grows as T, so
the error of a trained readout falls as 1 / sqrt(T) until the representation error of the N
tuning curves dominates.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor

from ..errors import RfspinError
from ..validation import check_number
from .population import (
    PopulationConfig,
    count_switches,
    input_to_current,
    population_tensors,
)

__all__ = [
    "TARGET_FUNCTIONS",
    "FunctionFit",
    "RidgeReadout",
    "TargetFunction",
    "evaluate_readout",
    "fit_function",
    "fit_ridge",
    "get_target_function",
    "predict",
    "predicted_noise_rms",
]

#: Penalties tried, relative to the largest squared singular value of the training features.
_RELATIVE_PENALTIES = tuple(10.0 ** k for k in range(-10, 2))


@dataclass(frozen=True)
class TargetFunction:
    """A function to approximate: ``evaluate`` maps x (tensor) to y on ``domain`` = (x_lo, x_hi)."""

    name: str
    formula: str
    domain: tuple[float, float]
    evaluate: Callable[[Tensor], Tensor]

    def amplitude(self) -> float:
        """Half the peak-to-peak range of the target on its domain (the error's reference scale)."""
        x = torch.linspace(*self.domain, 10001, dtype=torch.float64)
        y = self.evaluate(x)
        return 0.5 * float(y.max() - y.min())


#: Registry of target functions (CLI: ``rfspin population fit NAME``).
TARGET_FUNCTIONS: dict[str, TargetFunction] = {
    f.name: f
    for f in (
        TargetFunction("sin", "sin(x)", (0.0, 2.0 * math.pi), torch.sin),
        TargetFunction("sin2", "sin(2 x)", (0.0, 2.0 * math.pi), lambda x: torch.sin(2.0 * x)),
        TargetFunction("gauss", "exp(-x^2 / (2 * 0.3^2))", (-1.0, 1.0), lambda x: torch.exp(-0.5 * (x / 0.3) ** 2)),
        TargetFunction("parabola", "x^2", (-1.0, 1.0), lambda x: x * x),
        TargetFunction("sigmoid", "1 / (1 + exp(-6 x))", (-1.0, 1.0), lambda x: torch.sigmoid(6.0 * x)),
        TargetFunction("abs", "|x|", (-1.0, 1.0), torch.abs),
    )
}


def get_target_function(name: str) -> TargetFunction:
    """The registered target ``name``, or an error listing the choices."""
    if name not in TARGET_FUNCTIONS:
        raise RfspinError(f"unknown function {name!r}: choose one of {sorted(TARGET_FUNCTIONS)}")
    return TARGET_FUNCTIONS[name]


class RidgeReadout(NamedTuple):
    """A trained linear readout: y = bias + ((rates - feature_mean) / feature_scale) @ weights.

    feature_mean, feature_scale: (F,) [1/s]; weights: (F, K) [output / 1]; bias: (K,);
    penalty: the chosen lambda [1]; loo_mse: its leave-one-out mean squared error.
    """

    feature_mean: Tensor
    feature_scale: Tensor
    weights: Tensor
    bias: Tensor
    penalty: float
    loo_mse: float


def fit_ridge(features: Tensor, targets: Tensor, penalties: tuple[float, ...] | None = None) -> RidgeReadout:
    """Ridge regression of ``targets`` (S,) or (S, K) on ``features`` (S, F), lambda by exact LOO CV.

    ``penalties``: absolute lambdas to try (default: 1e-10 ... 10 x the largest squared singular
    value of the standardised features). Computed in float64 on the features' device.
    """
    features = features.to(torch.float64)
    targets = targets.to(device=features.device, dtype=torch.float64)
    if features.dim() != 2 or features.shape[0] < 2:
        raise RfspinError(f"fit_ridge: features must be (samples >= 2, features), got {tuple(features.shape)}")
    if targets.dim() not in (1, 2) or targets.shape[0] != features.shape[0]:
        raise RfspinError(
            f"fit_ridge: targets of shape {tuple(targets.shape)} must be (samples,) or (samples, outputs) "
            f"with samples = {features.shape[0]}"
        )
    y = targets.reshape(features.shape[0], -1)
    if not (bool(torch.isfinite(features).all()) and bool(torch.isfinite(y).all())):
        raise RfspinError("fit_ridge: features or targets contain NaN or inf")
    mean = features.mean(0)
    scale = features.std(0)
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))  # a silent junction: weight stays 0
    x = (features - mean) / scale
    y_mean = y.mean(0)
    yc = y - y_mean
    u, s, vh = torch.linalg.svd(x, full_matrices=False)
    uty = u.T @ yc
    grid = penalties if penalties is not None else tuple(p * float(s[0]) ** 2 for p in _RELATIVE_PENALTIES)
    best = None
    for lam in grid:
        shrink = s**2 / (s**2 + lam)
        residual = yc - u @ (shrink[:, None] * uty)
        leverage = (u**2 * shrink).sum(1) + 1.0 / x.shape[0]  # + the intercept's
        loo = float(((residual / (1.0 - leverage).clamp_min(1e-12)[:, None]) ** 2).mean())
        if best is None or loo < best[1]:
            best = (lam, loo)
    lam, loo = best
    weights = vh.T @ ((s / (s**2 + lam))[:, None] * uty)
    return RidgeReadout(mean, scale, weights, y_mean, float(lam), loo)


def predict(readout: RidgeReadout, features: Tensor) -> Tensor:
    """(S, K) readout outputs for features (S, F) (rates [1/s])."""
    x = (features.to(torch.float64) - readout.feature_mean) / readout.feature_scale
    return readout.bias + x @ readout.weights


@dataclass(frozen=True)
class FunctionFit:
    """A target approximated by a junction population (tensors on the computation's device).

    Fields: target (its registry entry); config; x_test (P,) inputs; y_target (P,); y_decoded
    (trials, P) decoded outputs of independent test windows; rms_error [output units] over all
    test windows and inputs; relative_rms_error = rms_error / amplitude [1]; noiseless_rms_error:
    same population and readout form trained and tested on the analytic rates (the
    representation error alone) [1, relative]; readout; train_points; test_trials.
    """

    target: TargetFunction
    config: PopulationConfig
    x_test: Tensor
    y_target: Tensor
    y_decoded: Tensor
    rms_error: float
    relative_rms_error: float
    noiseless_rms_error: float
    readout: RidgeReadout
    train_points: int
    test_trials: int


def _rates(params, x: Tensor, target: TargetFunction, config: PopulationConfig, generator, trials, progress):
    currents = input_to_current(x, target.domain, config)
    counts = count_switches(params, currents, config.counting_window, generator, trials=trials, progress=progress)
    return counts.to(torch.float64) / config.counting_window  # (trials, P, N)


def evaluate_readout(
    readout: RidgeReadout,
    params,
    target: TargetFunction,
    config: PopulationConfig,
    generator: torch.Generator,
    *,
    test_points: int = 101,
    trials: int = 5,
    progress: bool = False,
) -> tuple[Tensor, Tensor, Tensor]:
    """(x_test (P,), y_target (P,), y_decoded (trials, P)) of a trained readout on chip ``params``."""
    device = generator.device
    x = torch.linspace(*target.domain, test_points, dtype=torch.float64, device=device)
    rates = _rates(params, x, target, config, generator, trials, progress)
    decoded = predict(readout, rates.reshape(-1, rates.shape[-1])).reshape(trials, test_points)
    return x, target.evaluate(x), decoded


def fit_function(
    target: TargetFunction | str,
    config: PopulationConfig,
    generator: torch.Generator,
    *,
    params=None,
    train_points: int = 200,
    train_trials: int = 1,
    test_points: int = 101,
    test_trials: int = 5,
    progress: bool = False,
) -> FunctionFit:
    """Train a ridge readout of the population's counts to ``target`` and measure its error.

    Training: ``train_points`` inputs drawn uniformly on the domain, each counted in
    ``train_trials`` windows. Test: ``test_points`` evenly spaced inputs, ``test_trials`` fresh
    windows each. ``params``: a chip from :func:`population_tensors` (default: drawn from
    ``generator`` with the config's variability).
    """
    target = get_target_function(target) if isinstance(target, str) else target
    train_points = check_number(train_points, "train_points", ge=2, integer=True)
    train_trials = check_number(train_trials, "train_trials", ge=1, integer=True)
    test_points = check_number(test_points, "test_points", ge=2, integer=True)
    test_trials = check_number(test_trials, "test_trials", ge=1, integer=True)
    device = generator.device
    if params is None:
        params = population_tensors(config, generator, device=device)
    lo, hi = target.domain
    x_train = lo + (hi - lo) * torch.rand(train_points, generator=generator, dtype=torch.float64, device=device)
    rates = _rates(params, x_train, target, config, generator, train_trials, progress)
    y_train = target.evaluate(x_train).expand(train_trials, -1)
    readout = fit_ridge(rates.reshape(-1, rates.shape[-1]), y_train.reshape(-1))
    x_test, y_target, decoded = evaluate_readout(
        readout, params, target, config, generator, test_points=test_points, trials=test_trials, progress=progress
    )
    amplitude = target.amplitude()
    rms = float(torch.sqrt(((decoded - y_target) ** 2).mean()))
    return FunctionFit(
        target=target, config=config, x_test=x_test, y_target=y_target, y_decoded=decoded, rms_error=rms,
        relative_rms_error=rms / amplitude,
        noiseless_rms_error=_noiseless_error(params, target, config, x_train, x_test) / amplitude,
        readout=readout, train_points=train_points, test_trials=test_trials,
    )


def _noiseless_error(params, target: TargetFunction, config: PopulationConfig, x_train: Tensor, x_test: Tensor) -> float:
    """RMS error of the same readout trained and tested on the analytic rates (no count noise)."""
    from .population import analytic_tuning_curves

    train = analytic_tuning_curves(input_to_current(x_train, target.domain, config), params)
    test = analytic_tuning_curves(input_to_current(x_test, target.domain, config), params)
    readout = fit_ridge(train, target.evaluate(x_train))
    return float(torch.sqrt(((predict(readout, test)[:, 0] - target.evaluate(x_test)) ** 2).mean()))


def predicted_noise_rms(readout: RidgeReadout, params, currents: Tensor, window: float) -> float:
    """Count-noise part of the RMS decoding error of a one-output readout, from the analytic variance.

    sqrt(mean over ``currents`` of sum_i (w_i / s_i)^2 Var N_i) / T [output units]: for fixed
    weights it falls as 1 / sqrt(T) (Var N_i is proportional to T).
    """
    from .population import switch_count_variance

    variance = switch_count_variance(torch.as_tensor(currents, dtype=torch.float64), params, window)
    gain = (readout.weights[:, 0] / readout.feature_scale) ** 2
    return float(torch.sqrt((variance * gain).sum(1).mean())) / window
