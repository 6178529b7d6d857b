"""Superparamagnetic tunnel junction parameters: a frozen, validated dataclass and its tensor twin.

:class:`JunctionParams` holds one junction type as Python numbers in SI units (what a user, a
TOML file or a preset gives). :class:`JunctionTensors` holds the same fields as tensors that
broadcast against a batch of junctions, for device-to-device variability and shifted operating
points (one barrier, attempt time or offset current per device). Every function of
:mod:`rfspin.dynamics.junction` accepts either; :func:`junction_tensors` turns the first into the
second, with per-device overrides validated on the way.

The barrier is stored as an energy [J] together with the temperature [K], so that a temperature
sweep changes the thermal stability ``Delta = E_b / (k_B T)`` physically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import NamedTuple

import torch
from torch import Tensor

from ..errors import RfspinError, RfspinTypeError
from ..validation import check_fields, check_number

__all__ = [
    "BOLTZMANN_CONSTANT",
    "JunctionParams",
    "JunctionTensors",
    "JUNCTION_PRESETS",
    "MIZRAHI2018_JUNCTION",
    "junction_tensors",
]

#: k_B [J/K] (exact since the 2019 SI redefinition).
BOLTZMANN_CONSTANT = 1.380649e-23

_POSITIVE = {"gt": 0.0}
#: Fields that must be > 0; ``offset_current`` may have either sign.
_POSITIVE_FIELDS = (
    "attempt_time", "barrier_energy", "temperature", "critical_current", "barrier_exponent",
    "parallel_resistance", "antiparallel_resistance",
)


@dataclass(frozen=True)
class JunctionParams:
    """A superparamagnetic magnetic tunnel junction (two-state telegraph switching).

    Fields (SI units):
        attempt_time: tau_0, the Neel-Brown attempt time [s].
        barrier_energy: E_b, energy barrier between P and AP at zero drive [J]
            (``thermal_stability = E_b / (k_B T)``).
        temperature: T [K].
        critical_current: I_c0, the current at which the barrier of the destabilised state
            vanishes [A].
        offset_current: I_off, operating-point shift: the current at which the junction spends
            equal time in P and AP (a bias field or a fixed current offset) [A].
        barrier_exponent: n, the barrier scales as (1 -/+ (I - I_off)/I_c0)^n; 1 is the linear
            spin-torque law [1].
        parallel_resistance: R_P [ohm].
        antiparallel_resistance: R_AP [ohm].

    Derive variants with :func:`dataclasses.replace`; use :meth:`from_thermal_stability` to give
    the barrier in units of k_B T at the junction's temperature.
    """

    attempt_time: float = 1e-9
    barrier_energy: float = math.log(1e6) * BOLTZMANN_CONSTANT * 300.0
    temperature: float = 300.0
    critical_current: float = 250e-6
    offset_current: float = 0.0
    barrier_exponent: float = 1.0
    parallel_resistance: float = 1e3
    antiparallel_resistance: float = 2e3

    def __post_init__(self) -> None:
        check_fields(self, **{name: _POSITIVE for name in _POSITIVE_FIELDS})
        if self.thermal_stability > 700.0:  # exp(700) is the float64 limit of a dwell time
            raise RfspinError(
                f"JunctionParams.barrier_energy = {self.barrier_energy!r} J is "
                f"{self.thermal_stability:.4g} k_B T at {self.temperature!r} K: must be <= 700 k_B T "
                "(a superparamagnetic junction has a barrier of a few tens of k_B T)"
            )

    @classmethod
    def from_thermal_stability(
        cls, thermal_stability: float, temperature: float = 300.0, **other_fields
    ) -> JunctionParams:
        """Parameters with ``barrier_energy = thermal_stability * k_B * temperature``."""
        delta = check_number(thermal_stability, "thermal_stability", gt=0.0)
        kelvin = check_number(temperature, "temperature", gt=0.0)
        return cls(barrier_energy=delta * BOLTZMANN_CONSTANT * kelvin, temperature=kelvin, **other_fields)

    @property
    def thermal_stability(self) -> float:
        """Delta = E_b / (k_B T) [1]."""
        return self.barrier_energy / (BOLTZMANN_CONSTANT * self.temperature)

    @property
    def balanced_dwell_time(self) -> float:
        """Mean dwell time at the operating point (I = I_off, where tau_P = tau_AP): tau_0 e^Delta [s]."""
        return self.attempt_time * math.exp(self.thermal_stability)


#: Superparamagnetic junction after Mizrahi et al., Nat. Commun. 9, 1533 (2018), "Neural-like
#: computing with populations of superparamagnetic basis functions": in-plane MgO junctions read
#: with currents of order +-50 uA (their Fig. 1g-i shows telegraph traces at 50 uA, -50 uA and
#: -10 uA), dwell-time law tau = tau_0 exp(Delta (1 -/+ I/I_c0)). Per field:
#:   attempt_time 1 ns: assumption, the conventional Neel-Brown attempt time (rfspin DYNAMICS.md
#:     section 4; Soumah et al., arXiv:2402.03452 (2024) find femtosecond prefactors in
#:     perpendicular junctions, so treat tau_0 and E_b as a fitted pair, not as material constants).
#:   barrier_energy ln(1e6) k_B T = 13.8 k_B T at 300 K: assumption giving a 1 ms mean dwell time at
#:     the operating point (millisecond telegraph switching; the paper's fitted barrier was not
#:     retrieved).
#:   temperature 300 K: room-temperature measurements.
#:   critical_current 250 uA: assumption, chosen so that +-50 uA from the operating point nearly
#:     freezes the junction in one state (<m> = tanh(13.8 * 50/250) = +-0.99), as in Fig. 1g-h.
#:   offset_current 0 A: assumption; the paper's population shifts each junction's operating point
#:     (set ``offset_current`` per device with :func:`junction_tensors`).
#:   barrier_exponent 1: the linear spin-torque law the paper uses.
#:   parallel_resistance 1 kOhm, antiparallel_resistance 2 kOhm (TMR 100 %): assumption, typical of
#:     MgO junctions of this size; the paper's resistances were not retrieved.
MIZRAHI2018_JUNCTION = JunctionParams()

#: Named presets (for the CLI and TOML files).
JUNCTION_PRESETS: dict[str, JunctionParams] = {"mizrahi2018": MIZRAHI2018_JUNCTION}


class JunctionTensors(NamedTuple):
    """The fields of :class:`JunctionParams` as tensors broadcastable against a batch of junctions.

    Same names and SI units as :class:`JunctionParams`. Build it with :func:`junction_tensors`,
    which validates every value.
    """

    attempt_time: Tensor
    barrier_energy: Tensor
    temperature: Tensor
    critical_current: Tensor
    offset_current: Tensor
    barrier_exponent: Tensor
    parallel_resistance: Tensor
    antiparallel_resistance: Tensor

    @property
    def thermal_stability(self) -> Tensor:
        """Delta = E_b / (k_B T) [1], broadcast over the fields' shapes."""
        return self.barrier_energy / (BOLTZMANN_CONSTANT * self.temperature)

    @property
    def batch_shape(self) -> torch.Size:
        """The broadcast shape of all fields (``()`` for scalars)."""
        return torch.broadcast_shapes(*(t.shape for t in self))


_FIELD_NAMES = tuple(f.name for f in fields(JunctionParams))
assert _FIELD_NAMES == JunctionTensors._fields


def junction_tensors(
    params: JunctionParams | JunctionTensors = MIZRAHI2018_JUNCTION,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
    **overrides: Tensor | float,
) -> JunctionTensors:
    """``params`` as :class:`JunctionTensors` on ``device`` / ``dtype``, with per-device ``overrides``.

    ``overrides`` replace fields by tensors (or numbers), e.g. ``offset_current=torch.linspace(...)``
    for a population with shifted operating points, ``barrier_energy=E_b * (1 + 0.05 * noise)``
    for device-to-device variability. Defaults: the device of the first tensor override (else
    the CPU) and its floating dtype (else float32). Every value must be finite, and positive for
    every field but ``offset_current``; the shapes must broadcast together.
    """
    unknown = sorted(set(overrides) - set(_FIELD_NAMES))
    if unknown:
        raise RfspinTypeError(f"junction_tensors: unknown field(s) {unknown}; fields are {list(_FIELD_NAMES)}")
    if not isinstance(params, (JunctionParams, JunctionTensors)):
        raise RfspinTypeError(
            f"params = {params!r}: must be a JunctionParams or JunctionTensors, got {type(params).__name__}"
        )
    given = [v for v in overrides.values() if isinstance(v, Tensor)]
    if isinstance(params, JunctionTensors):
        given = given + list(params)
    if device is None:
        device = given[0].device if given else torch.device("cpu")
    if dtype is None:
        floating = [v.dtype for v in given if v.is_floating_point()]
        dtype = floating[0] if floating else torch.float32
    values = {}
    for name in _FIELD_NAMES:
        value = overrides.get(name, getattr(params, name))
        if isinstance(value, bool) or not isinstance(value, (Tensor, int, float)):
            raise RfspinTypeError(f"{name} = {value!r}: must be a tensor or a real number, got {type(value).__name__}")
        tensor = torch.as_tensor(value, dtype=dtype, device=device)
        if tensor.is_complex():
            raise RfspinTypeError(f"{name}: must be real, got a complex tensor")
        if not bool(torch.isfinite(tensor).all()):
            raise RfspinError(f"{name}: contains NaN or inf; every value must be finite")
        if name in _POSITIVE_FIELDS and not bool((tensor > 0).all()):
            raise RfspinError(f"{name}: min {tensor.min().item():.4g} but every value must be > 0")
        values[name] = tensor
    try:
        torch.broadcast_shapes(*(v.shape for v in values.values()))
    except RuntimeError as exc:
        shapes = {k: tuple(v.shape) for k, v in values.items() if v.dim()}
        raise RfspinError(f"junction_tensors: field shapes {shapes} do not broadcast together") from exc
    return JunctionTensors(**values)
