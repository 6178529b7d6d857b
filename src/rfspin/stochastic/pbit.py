"""Probabilistic bits: an ideal p-bit and a p-bit made of a superparamagnetic junction + transistor.

A p-bit outputs m = +1 or -1 with P(m = +1) set by its dimensionless input beta I (I = the local
field sum_j J_ij m_j + h_i + higher-order terms, beta = inverse temperature of the schedule).

- Ideal (Camsari et al., PRX 7, 031014 (2017)): m = sgn(tanh(beta I) - r), r ~ U(-1, 1), i.e.
  P(+1) = (1 + tanh(beta I)) / 2.
- Junction (Borders et al., Nature 573, 390 (2019)): the input drives a transistor of
  transconductance g_m [A/V] in series with a superparamagnetic junction; the input voltage is
  V = beta I v_u (v_u [V] = volts per unit of input), the junction current
  I_j = I_off + g_m V [A], and the p-bit reads the junction's state (AP = +1). Read after the
  junction has relaxed, P(+1) is the junction's time fraction in AP
  (:func:`rfspin.dynamics.antiparallel_probability`):

      P(+1) = sigmoid(Delta_AP(I_j) - Delta_P(I_j)),   Delta_{P,AP} = Delta (1 -/+ x)^n,
      x = (I_j - I_off) / I_c0.

  For the linear law n = 1 this is (1 + tanh(Delta g_m v_u beta I / I_c0)) / 2: an ideal p-bit of
  gain Delta g_m v_u / I_c0 (1 with the default, calibrated v_u); for n != 1 the sigmoid is
  another shape, computed from the junction model, never assumed. Read a time ``read_interval``
  after its input changed, the junction has not forgotten its previous state s0:
  P(+1) = P_AP + (s0 - P_AP) exp(-K t) with K = 1/tau_P + 1/tau_AP
  (:func:`rfspin.dynamics.antiparallel_probability_after`): a slow junction is a sticky p-bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from ..dynamics import JunctionParams, JunctionTensors, junction_tensors
from ..dynamics.junction import (
    antiparallel_probability,
    antiparallel_probability_after,
    escape_rates,
)
from ..errors import RfspinTypeError
from ..validation import check_number

__all__ = ["BORDERS2019_PBIT", "IDEAL_PBIT", "IdealPbit", "JunctionPbit", "junction_current", "pbit_rates", "probability_up"]


@dataclass(frozen=True)
class IdealPbit:
    """m = sgn(tanh(gain * beta I) - r); ``gain`` [1] scales the input."""

    gain: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "gain", check_number(self.gain, "IdealPbit.gain", gt=0.0))


@dataclass(frozen=True)
class JunctionPbit:
    """A superparamagnetic junction read through a transistor (1T-1MTJ p-bit).

    Fields:
        junction: the junction (:class:`rfspin.dynamics.JunctionParams`, SI units).
        transconductance: g_m, junction current per input volt [A/V].
        unit_voltage: v_u, input voltage per unit of beta I [V]; None calibrates it to
            I_c0 / (Delta g_m) so that the linear-law p-bit has gain 1.
        read_interval: time between an input change and the read-out [s]; None reads the
            relaxed junction (its stationary state).
    """

    junction: JunctionParams = field(default_factory=JunctionParams)
    transconductance: float = 1e-4
    unit_voltage: float | None = None
    read_interval: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.junction, JunctionParams):
            raise RfspinTypeError(f"JunctionPbit.junction = {self.junction!r}: must be a JunctionParams")
        object.__setattr__(self, "transconductance",
                           check_number(self.transconductance, "JunctionPbit.transconductance", gt=0.0))
        if self.unit_voltage is None:
            j = self.junction
            object.__setattr__(self, "unit_voltage", j.critical_current / (j.thermal_stability * self.transconductance))
        object.__setattr__(self, "unit_voltage", check_number(self.unit_voltage, "JunctionPbit.unit_voltage", gt=0.0))
        if self.read_interval is not None:
            object.__setattr__(self, "read_interval",
                               check_number(self.read_interval, "JunctionPbit.read_interval", gt=0.0))

    @property
    def gain(self) -> float:
        """Delta g_m v_u / I_c0: the slope of the linear-law p-bit in units of beta I [1]."""
        j = self.junction
        return j.thermal_stability * self.transconductance * self.unit_voltage / j.critical_current


#: The ideal p-bit of gain 1.
IDEAL_PBIT = IdealPbit()

#: The 1T-1MTJ p-bit with the repository's superparamagnetic junction (Mizrahi-like, 1 ms dwell
#: at the operating point, see rfspin.dynamics.MIZRAHI2018_JUNCTION), a 100 uS transistor and a
#: calibrated input scale, as in Borders et al., Nature 573, 390 (2019) (their junctions fluctuate
#: in ms; transistor and scale are assumptions).
BORDERS2019_PBIT = JunctionPbit()


def junction_current(drive: Tensor, pbit: JunctionPbit, tensors: JunctionTensors | None = None) -> Tensor:
    """I_j = I_off + g_m v_u (beta I) [A] for the dimensionless drive beta I."""
    offset = pbit.junction.offset_current if tensors is None else tensors.offset_current
    return offset + pbit.transconductance * pbit.unit_voltage * drive


def probability_up(drive: Tensor, pbit: IdealPbit | JunctionPbit, previous: Tensor | None = None,
                   tensors: JunctionTensors | None = None) -> Tensor:
    """P(m = +1) for the dimensionless drive beta I (any shape).

    ``previous`` (+-1, same shape) is the p-bit's state before the read; used only by a junction
    p-bit with a finite ``read_interval``. ``tensors``: the junction as tensors (computed once by
    the caller for speed; built here when None).
    """
    if isinstance(pbit, IdealPbit):
        return torch.sigmoid(2.0 * pbit.gain * drive)
    if tensors is None:
        tensors = junction_tensors(pbit.junction, device=drive.device, dtype=drive.dtype)
    current = junction_current(drive, pbit, tensors)
    if pbit.read_interval is None or previous is None:
        return antiparallel_probability(current, tensors)
    return antiparallel_probability_after(pbit.read_interval, current, (previous > 0).to(drive.dtype), tensors)


def pbit_rates(drive: Tensor, state: Tensor, pbit: JunctionPbit, tensors: JunctionTensors) -> Tensor:
    """Switching rate [1/s] of each junction p-bit out of its present ``state`` (+1 AP, -1 P)."""
    k_p, k_ap = escape_rates(junction_current(drive, pbit, tensors), tensors)
    return torch.where(state > 0, k_ap, k_p)
