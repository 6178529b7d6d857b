"""A learned two-input transformation with two junction populations (coordinate transformation).

Mizrahi et al., Nat. Commun. 9, 1533 (2018) show that interlinked populations of
superparamagnetic junctions learn non-linear transformations that survive device variability.
Their exact task and network were not retrieved for rfspin, so this module implements a
documented stand-in from the same population-coding tradition: the forward kinematics of a
planar two-joint arm (a sensorimotor coordinate transformation; basis-function networks,
Pouget & Sejnowski, J. Cogn. Neurosci. 9, 222 (1997)):

    hand_x = L1 cos(theta1) + L2 cos(theta1 + theta2)                            [m]
    hand_y = L1 sin(theta1) + L2 sin(theta1 + theta2)                            [m]

theta1 and theta2 (joint angles [rad], each on [0, pi]) are encoded by two independent
populations (currents as in :mod:`rfspin.stochastic.population`). A function of two inputs that
is not a sum g(theta1) + h(theta2) needs products of the two codes: the readout sees the
normalised rates of both populations and all their pairwise products (the "gain field" basis a
CMOS multiplier layer of a hybrid circuit would compute),

    features = [u_i, v_j, u_i v_j],   u_i = N_i / (T r_max),  v_j = M_j / (T r_max)   [1]

(N + N + N^2 features), decoded by the same ridge readout as the one-input functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ..validation import check_number
from .population import (
    PopulationConfig,
    count_switches,
    input_to_current,
    population_tensors,
)
from .population_readout import RidgeReadout, fit_ridge, predict

__all__ = ["ArmGeometry", "TransformationFit", "arm_forward_kinematics", "fit_arm_transformation"]

#: Joint-angle domain of both joints [rad].
JOINT_DOMAIN = (0.0, math.pi)


@dataclass(frozen=True)
class ArmGeometry:
    """Planar two-joint arm. Fields: upper_arm_length L1 [m]; forearm_length L2 [m]."""

    upper_arm_length: float = 0.5
    forearm_length: float = 0.5

    def __post_init__(self) -> None:
        for name in ("upper_arm_length", "forearm_length"):
            object.__setattr__(self, name, check_number(getattr(self, name), f"ArmGeometry.{name}", gt=0.0))


def arm_forward_kinematics(theta1: Tensor, theta2: Tensor, arm: ArmGeometry = ArmGeometry()) -> Tensor:
    """(..., 2) hand position (x, y) [m] of joint angles theta1, theta2 [rad]."""
    elbow = theta1 + theta2
    x = arm.upper_arm_length * torch.cos(theta1) + arm.forearm_length * torch.cos(elbow)
    y = arm.upper_arm_length * torch.sin(theta1) + arm.forearm_length * torch.sin(elbow)
    return torch.stack((x, y), dim=-1)


def _product_features(first: Tensor, second: Tensor, peak_rate: float) -> Tensor:
    """(S, 2N + N^2) [u, v, u (x) v] of two (S, N) rate tensors, normalised by the peak rate."""
    u, v = first / peak_rate, second / peak_rate
    products = (u[:, :, None] * v[:, None, :]).reshape(u.shape[0], -1)
    return torch.cat((u, v, products), dim=1)


@dataclass(frozen=True)
class TransformationFit:
    """The learned arm transformation. Tensors on the computation's device.

    Fields: theta_test (P, 2) [rad]; hand_target (P, 2) [m]; hand_decoded (P, 2) [m];
    rms_error (2,) per coordinate [m]; relative_rms_error (2,) per coordinate / half its range [1];
    readout; config (of each population); train_points.
    """

    theta_test: Tensor
    hand_target: Tensor
    hand_decoded: Tensor
    rms_error: Tensor
    relative_rms_error: Tensor
    readout: RidgeReadout
    config: PopulationConfig
    train_points: int


def fit_arm_transformation(
    config: PopulationConfig,
    generator: torch.Generator,
    *,
    arm: ArmGeometry = ArmGeometry(),
    train_points: int = 2000,
    test_points: int = 500,
    progress: bool = False,
) -> TransformationFit:
    """Train the two-population readout on random joint angles and test it on fresh ones.

    Two chips are drawn from ``generator`` (each with the config's variability); every training
    and test pair is counted in its own window.
    """
    train_points = check_number(train_points, "train_points", ge=2, integer=True)
    test_points = check_number(test_points, "test_points", ge=2, integer=True)
    device = generator.device
    chips = [population_tensors(config, generator, device=device) for _ in range(2)]
    peak_rate = 1.0 / config.balanced_dwell_time

    def encode(theta: Tensor) -> Tensor:
        rates = []
        for joint, chip in enumerate(chips):
            currents = input_to_current(theta[:, joint], JOINT_DOMAIN, config)
            counts = count_switches(chip, currents, config.counting_window, generator, progress=progress)
            rates.append(counts[0].to(torch.float64) / config.counting_window)
        return _product_features(rates[0], rates[1], peak_rate)

    lo, hi = JOINT_DOMAIN

    def draw(points: int) -> Tensor:
        return lo + (hi - lo) * torch.rand((points, 2), generator=generator, dtype=torch.float64, device=device)

    theta_train = draw(train_points)
    readout = fit_ridge(encode(theta_train), arm_forward_kinematics(theta_train[:, 0], theta_train[:, 1], arm))
    theta_test = draw(test_points)
    target = arm_forward_kinematics(theta_test[:, 0], theta_test[:, 1], arm)
    decoded = predict(readout, encode(theta_test))
    rms = torch.sqrt(((decoded - target) ** 2).mean(0))
    grid = torch.linspace(lo, hi, 401, dtype=torch.float64, device=device)
    span = arm_forward_kinematics(grid[:, None], grid[None, :], arm).reshape(-1, 2)
    half_range = 0.5 * (span.max(0).values - span.min(0).values)
    return TransformationFit(
        theta_test=theta_test, hand_target=target, hand_decoded=decoded, rms_error=rms,
        relative_rms_error=rms / half_range, readout=readout, config=config, train_points=train_points,
    )
