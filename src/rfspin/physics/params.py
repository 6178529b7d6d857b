"""Device parameters: frozen dataclasses in SI units, validated on construction.

Presets are named instances (``ROSS2023_RESONATOR``, ``ROSS2023_OSCILLATOR``), never subclasses.
Use :func:`dataclasses.replace` to derive a variant: ``replace(ROSS2023_RESONATOR, damping=0.02)``.

Every field is checked on construction (:func:`rfspin.validation.check_fields`): a real number,
not a string, bool or NaN, inside a physical range generous enough for any junction yet small
enough that every product the layers form stays finite in float32 (frequencies 1 Hz - 10 THz,
sensitivity <= 1e9 V/W, lineshape weights within +-100, oscillator power <= 1 W ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import RfspinError
from ..validation import check_fields

__all__ = [
    "ResonatorParams",
    "power_prefactor_of",
    "OscillatorParams",
    "ROSS2023_RESONATOR",
    "ROSS2023_OSCILLATOR",
    "ross2023_sensitivity",
]


_POSITIVE = {"gt": 0.0}
#: Physical range of every frequency rfspin models [Hz].
MIN_FREQUENCY_HZ, MAX_FREQUENCY_HZ = 1.0, 1e13
_FREQUENCY = {"ge": MIN_FREQUENCY_HZ, "le": MAX_FREQUENCY_HZ}
_FLOAT32_MAX = 3.4028234663852886e38


def ross2023_sensitivity(
    magnetoresistance_ratio: float = 1.0,
    threshold_current: float = 10e-6,
    polarizer_angle: float = math.pi / 4,
    spin_polarization: float = 1.0,
) -> float:
    """Spin-diode sensitivity K = (dR/R) (1/I_th) tan(gamma_p) / (8 sqrt 2) beta_s, in V/W.

    Ross et al., Nat. Nanotechnol. 18, 1273 (2023), Methods. With the reference values
    (dR/R = 1, I_th = 10 uA, gamma_p = pi/4, beta_s = 1) this is 8.84e3 V/W = 8.84 mV/uW.
    """
    return (
        magnetoresistance_ratio
        / threshold_current
        * math.tan(polarizer_angle)
        / (8.0 * math.sqrt(2.0))
        * spin_polarization
    )


@dataclass(frozen=True)
class ResonatorParams:
    """A spin-diode resonator (MTJ synapse).

    Fields (SI units):
        sensitivity: K, rectified volts per watt of RF power at the lineshape extremum [V/W].
        damping: effective Gilbert damping alpha; half linewidth Delta = alpha * f_r [1].
        antisymmetric_weight: a_A, weight of the dispersive Lorentzian part [1].
        symmetric_weight: a_S, weight of the absorptive Lorentzian part [1].
        min_resonance_frequency, max_resonance_frequency: tuning band of f_r [Hz].
        resistance: junction resistance, for Johnson noise and energy estimates [ohm].
    """

    sensitivity: float = ross2023_sensitivity()
    damping: float = 0.01
    antisymmetric_weight: float = 1.0
    symmetric_weight: float = 0.0
    min_resonance_frequency: float = 10e6
    max_resonance_frequency: float = 200e6
    resistance: float = 1e3

    def __post_init__(self) -> None:
        check_fields(
            self, sensitivity={"gt": 0.0, "le": 1e9}, damping={"ge": 1e-6, "lt": 0.5},
            antisymmetric_weight={"ge": -100.0, "le": 100.0}, symmetric_weight={"ge": -100.0, "le": 100.0},
            min_resonance_frequency=_FREQUENCY, max_resonance_frequency=_FREQUENCY,
            resistance={"gt": 0.0, "le": 1e12},
        )
        if self.max_resonance_frequency <= self.min_resonance_frequency:
            raise RfspinError(
                f"ResonatorParams.max_resonance_frequency = {self.max_resonance_frequency!r}: "
                f"must exceed min_resonance_frequency = {self.min_resonance_frequency!r}"
            )
        if self.antisymmetric_weight == 0 and self.symmetric_weight == 0:
            raise RfspinError("ResonatorParams: antisymmetric_weight and symmetric_weight are both 0")


def power_prefactor_of(oscillator) -> float:
    """A such that the emitted power at the clamp current equals ``max_output_power`` [1].

    Shared by :class:`OscillatorParams` and the dynamic oscillator parameters (same fields).
    """
    zeta = oscillator.max_current_ratio
    p0 = (zeta - 1.0) / (zeta + oscillator.nonlinear_damping)
    i_max = zeta * oscillator.threshold_current
    scale = (oscillator.magnetoresistance_ratio * oscillator.spin_polarization) ** 2 * oscillator.resistance * i_max**2
    return oscillator.max_output_power / (p0 * scale)


@dataclass(frozen=True)
class OscillatorParams:
    """A spin-torque nano-oscillator (MTJ neuron), Slavin-Tiberkevich universal model.

    Fields (SI units):
        threshold_current: I_th, auto-oscillation threshold [A].
        nonlinear_damping: Q, nonlinear damping coefficient [1].
        resistance: R, junction resistance [ohm].
        magnetoresistance_ratio: dR/R [1].
        spin_polarization: beta, efficiency of the RF voltage emission [1].
        max_output_power: emitted power at the current clamp (sets the prefactor A) [W].
        max_current_ratio: upper current clamp as a multiple of I_th (device protection) [1].
        transconductance: g_m converting chain voltage to oscillator current [A/V].
        bias_voltage: V_bias added to the chain voltage before conversion [V].
        nonlinear_frequency_shift: N in f = f0 + N p0 [Hz]; 0 disables the shift.
        linewidth_min: generation linewidth far above threshold (FWHM) [Hz].
        relaxation_rate: Gamma_G, damping rate of amplitude deviations [1/s].
    """

    threshold_current: float = 10e-6
    nonlinear_damping: float = 2.0
    resistance: float = 1e3
    magnetoresistance_ratio: float = 1.0
    spin_polarization: float = 1.0
    max_output_power: float = 1e-6
    max_current_ratio: float = 4.0
    transconductance: float = 3.4e-3
    bias_voltage: float = 11e-3
    nonlinear_frequency_shift: float = 0.0
    linewidth_min: float = 40e3
    relaxation_rate: float = 2 * math.pi * 20e6 * 0.01

    def __post_init__(self) -> None:
        check_fields(
            self,
            threshold_current={"ge": 1e-12, "le": 1.0},
            nonlinear_damping={"gt": -1.0, "le": 1e3},
            resistance={"ge": 1e-3, "le": 1e12},
            magnetoresistance_ratio={"gt": 0.0, "le": 100.0},
            spin_polarization={"gt": 0.0, "le": 1.0},
            max_output_power={"gt": 0.0, "le": 1.0},
            max_current_ratio={"gt": 1.0, "le": 1e3},
            transconductance={"gt": 0.0, "le": 1e3},
            bias_voltage={"ge": -1e3, "le": 1e3},
            nonlinear_frequency_shift={"ge": -MAX_FREQUENCY_HZ, "le": MAX_FREQUENCY_HZ},
            linewidth_min={"gt": 0.0, "le": MAX_FREQUENCY_HZ},
            relaxation_rate={"gt": 0.0, "le": 1e15},
        )
        prefactor = self.power_prefactor
        if not 0 < prefactor <= _FLOAT32_MAX:
            raise RfspinError(
                f"OscillatorParams: power prefactor A = {prefactor:.3g} (from max_output_power, threshold_current, "
                "resistance, magnetoresistance_ratio, spin_polarization, max_current_ratio) is outside float32"
            )

    @property
    def power_prefactor(self) -> float:
        """A such that the emitted power at the clamp current equals ``max_output_power``."""
        return power_prefactor_of(self)


#: Vortex MTJ synapse of Ross et al., Nat. Nanotechnol. 18, 1273 (2023): K = 8.84 mV/uW,
#: alpha = 0.01, purely antisymmetric lineshape, tuning band 10-200 MHz (assumption: the
#: 20-120 MHz input band plus room to detune the edge resonators).
ROSS2023_RESONATOR = ResonatorParams()

#: Vortex STNO neuron of Ross et al. (2023): I_th = 10 uA, Q = 2, R = 1 kOhm, P_max = 1 uW at
#: 4 I_th, g_m = 3.4 uA/mV, V_bias = 11 mV, no nonlinear frequency shift (stabilised oscillator).
ROSS2023_OSCILLATOR = OscillatorParams()
