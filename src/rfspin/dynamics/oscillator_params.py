"""Spin-torque oscillator parameters in time: a frozen, validated dataclass and its presets.

:class:`AutoOscillatorParams` holds one oscillator type of the Slavin-Tiberkevich universal
auto-oscillator model (A. Slavin and V. Tiberkevich, IEEE Trans. Magn. 45, 1875 (2009)) as
Python numbers in SI units: the steady-state quantities of the RF network's neuron
(:class:`rfspin.physics.params.OscillatorParams`) plus the dynamic ones (free-running frequency,
oscillation energy, temperature). :meth:`AutoOscillatorParams.from_static` extends a neuron so
that its steady-state power and frequency vs current are those of
:mod:`rfspin.physics.oscillator` exactly.

API: ``AutoOscillatorParams`` (fields below), ``ROSS2023_OSCILLATOR`` (the RF network's neuron),
``TORREJON2017_VORTEX`` (a vortex oscillator after Torrejon et al. 2017), ``OSCILLATOR_PRESETS``
(name -> preset). Derive variants with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import RfspinError
from ..physics.params import MAX_FREQUENCY_HZ, OscillatorParams, power_prefactor_of
from ..physics.params import ROSS2023_OSCILLATOR as ROSS2023_NEURON
from ..validation import FLOAT32_MAX, check_fields
from .junction_params import BOLTZMANN_CONSTANT

__all__ = ["OSCILLATOR_PRESETS", "ROSS2023_OSCILLATOR", "TORREJON2017_VORTEX", "AutoOscillatorParams"]

_FREQUENCY = {"ge": 1.0, "le": MAX_FREQUENCY_HZ}


@dataclass(frozen=True)
class AutoOscillatorParams:
    """A spin-torque nano-oscillator in time (universal auto-oscillator model).

    Fields (SI units):
        free_running_frequency: f0 = w0 / (2 pi), the linear (p -> 0) frequency [Hz].
        threshold_current: I_th = G_G / sigma, the auto-oscillation threshold [A].
        damping_rate: G_G = alpha_G w0, the linear positive damping rate [1/s]
            (``OscillatorParams.relaxation_rate``).
        nonlinear_damping: Q in G+(p) = G_G (1 + Q p) [1].
        nonlinear_frequency_shift: N in f(p) = f0 + N p [Hz] (N_rad = 2 pi N in rad/s).
        oscillation_energy_scale: E_0 in E(p) = E_0 p, the oscillation energy [J]; sets the
            thermal noise D(p) = G+(p) k_B T / E_0.
        temperature: T [K]; 0 turns the thermal noise off.
        resistance: R, junction resistance [ohm].
        magnetoresistance_ratio: dR/R [1].
        spin_polarization: beta, efficiency of the RF voltage emission [1].
        max_output_power: emitted power at the clamp current (sets the prefactor A) [W].
        max_current_ratio: zeta_max = I_max / I_th, the clamp of the network's neuron [1].
    """

    free_running_frequency: float
    threshold_current: float
    damping_rate: float
    nonlinear_damping: float
    nonlinear_frequency_shift: float
    oscillation_energy_scale: float
    temperature: float
    resistance: float
    magnetoresistance_ratio: float
    spin_polarization: float
    max_output_power: float
    max_current_ratio: float

    def __post_init__(self) -> None:
        check_fields(
            self,
            free_running_frequency=_FREQUENCY,
            threshold_current={"ge": 1e-12, "le": 1.0},
            damping_rate={"gt": 0.0, "le": 1e15},
            nonlinear_damping={"gt": -1.0, "le": 1e3},
            nonlinear_frequency_shift={"ge": -MAX_FREQUENCY_HZ, "le": MAX_FREQUENCY_HZ},
            oscillation_energy_scale={"gt": 0.0, "le": 1.0},
            temperature={"ge": 0.0, "le": 1e4},
            resistance={"ge": 1e-3, "le": 1e12},
            magnetoresistance_ratio={"gt": 0.0, "le": 100.0},
            spin_polarization={"gt": 0.0, "le": 1.0},
            max_output_power={"gt": 0.0, "le": 1.0},
            max_current_ratio={"gt": 1.0, "le": 1e3},
        )
        if self.free_running_frequency + min(self.nonlinear_frequency_shift, 0.0) <= 0:
            raise RfspinError(
                f"AutoOscillatorParams.nonlinear_frequency_shift = {self.nonlinear_frequency_shift!r} Hz: "
                f"f0 + N must stay > 0 Hz (f0 = {self.free_running_frequency!r} Hz)"
            )
        if not 0 < self.power_prefactor <= FLOAT32_MAX:
            raise RfspinError(f"AutoOscillatorParams: power prefactor A = {self.power_prefactor:.3g} is outside float32")

    @property
    def power_prefactor(self) -> float:
        """A such that the emitted power at the clamp current equals ``max_output_power`` [1]."""
        return power_prefactor_of(self)

    @property
    def angular_frequency(self) -> float:
        """w0 = 2 pi f0 [rad/s]."""
        return 2.0 * math.pi * self.free_running_frequency

    @property
    def nonlinear_frequency_shift_rad(self) -> float:
        """N_rad = 2 pi N [rad/s]."""
        return 2.0 * math.pi * self.nonlinear_frequency_shift

    @property
    def thermal_energy_ratio(self) -> float:
        """k_B T / E_0 [1]."""
        return BOLTZMANN_CONSTANT * self.temperature / self.oscillation_energy_scale

    @classmethod
    def from_static(
        cls,
        neuron: OscillatorParams,
        *,
        free_running_frequency: float,
        oscillation_energy_scale: float,
        temperature: float = 300.0,
    ) -> AutoOscillatorParams:
        """The neuron ``neuron`` extended with its dynamic quantities (same steady state)."""
        return cls(
            free_running_frequency=free_running_frequency,
            threshold_current=neuron.threshold_current,
            damping_rate=neuron.relaxation_rate,
            nonlinear_damping=neuron.nonlinear_damping,
            nonlinear_frequency_shift=neuron.nonlinear_frequency_shift,
            oscillation_energy_scale=oscillation_energy_scale,
            temperature=temperature,
            resistance=neuron.resistance,
            magnetoresistance_ratio=neuron.magnetoresistance_ratio,
            spin_polarization=neuron.spin_polarization,
            max_output_power=neuron.max_output_power,
            max_current_ratio=neuron.max_current_ratio,
        )


def _energy_for_linewidth(neuron: OscillatorParams, temperature: float) -> float:
    """E_0 such that the FWHM generation linewidth at the clamp current is ``neuron.linewidth_min``.

    FWHM [rad/s] = G+(p0) (k_B T / (E_0 p0)) (1 + nu^2) (Kim et al., PRL 100, 017207 (2008)).
    """
    zeta, q = neuron.max_current_ratio, neuron.nonlinear_damping
    p0 = (zeta - 1.0) / (zeta + q)
    gamma_plus = neuron.relaxation_rate * (1.0 + q * p0)
    nu = 2.0 * math.pi * neuron.nonlinear_frequency_shift / (neuron.relaxation_rate * (q + zeta))
    fwhm_rad = 2.0 * math.pi * neuron.linewidth_min
    return gamma_plus * BOLTZMANN_CONSTANT * temperature * (1.0 + nu * nu) / (p0 * fwhm_rad)


#: The RF network's neuron (Ross et al., Nat. Nanotechnol. 18, 1273 (2023);
#: :data:`rfspin.physics.params.ROSS2023_OSCILLATOR`) in time. Steady state identical to the
#: neuron: I_th = 10 uA, Q = 2, N = 0, G_G = 2 pi 20 MHz x 0.01 = 1.26e6 1/s. Added here:
#: f0 = 20 MHz (the frequency at which the neuron's G_G = alpha w0 with alpha = 0.01; a network
#: gives every neuron its own frequency), T = 300 K, and E_0 = 8.3e-20 J (20 k_B T, an
#: assumption) chosen so that the FWHM generation linewidth at the clamp current 4 I_th equals the
#: neuron's ``linewidth_min`` = 40 kHz.
ROSS2023_OSCILLATOR = AutoOscillatorParams.from_static(
    ROSS2023_NEURON,
    free_running_frequency=20e6,
    oscillation_energy_scale=_energy_for_linewidth(ROSS2023_NEURON, 300.0),
    temperature=300.0,
)

#: Vortex spin-torque oscillator after Torrejon et al., Nature 547, 428 (2017) (FeB vortex MTJ,
#: 375 nm diameter, operated at I_dc = 6 mA, mu0 H = 430 mT): f0 = 300 MHz (the paper's ~300 MHz
#: emission), amplitude relaxation of ~100 ns at the operating point (DYNAMICS.md: "relaxation in
#: the 100 ns range"; 1/(2 G_p) = 1/G_G = 100 ns at zeta = 1.5), i.e. G_G = 1e7 1/s
#: (alpha = 0.0053). Assumptions (not given in the paper, typical for such vortex MTJs):
#: I_th = 4 mA (so 6 mA is zeta = 1.5), Q = 1, N = 20 MHz (nu = 5 at 6 mA), E_0 = 500 k_B T at
#: 300 K (FWHM linewidth ~0.5 MHz at 6 mA), R = 40 ohm, dR/R = 1.35, 1 uW at 2 I_th.
TORREJON2017_VORTEX = AutoOscillatorParams(
    free_running_frequency=300e6,
    threshold_current=4e-3,
    damping_rate=1e7,
    nonlinear_damping=1.0,
    nonlinear_frequency_shift=20e6,
    oscillation_energy_scale=500.0 * BOLTZMANN_CONSTANT * 300.0,
    temperature=300.0,
    resistance=40.0,
    magnetoresistance_ratio=1.35,
    spin_polarization=1.0,
    max_output_power=1e-6,
    max_current_ratio=2.0,
)

#: Presets by the names the CLI accepts.
OSCILLATOR_PRESETS = {"ross2023": ROSS2023_OSCILLATOR, "torrejon2017": TORREJON2017_VORTEX}
