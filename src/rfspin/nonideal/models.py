"""Non-idealities of RF spintronic chips: frozen dataclasses, SI units, validated on construction.

Each class is one composable perturbation with its model, and the source or assumption behind its
defaults, in its docstring. *Static* ones (programming error, variability, defects, tuning limits,
insertion loss, temperature) are sampled once per chip instance; *noise* (rectified-voltage noise,
oscillator power/frequency fluctuations) is resampled every forward. :class:`NonIdealities`
composes them; every field at its default value means "ideal".
Relative spreads are standard deviations of a multiplicative factor of mean 1 (log-normal, so the
factor stays positive and its mean and std are exactly 1 and ``sigma``).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, fields

from ..errors import RfspinError, RfspinTypeError
from ..validation import check_number

__all__ = [
    "ProgrammingError",
    "DeviceVariability",
    "Temperature",
    "VoltageNoise",
    "OscillatorNoise",
    "NonVolatileTuning",
    "Defects",
    "InsertionLoss",
    "OutputADC",
    "DiodeSaturation",
    "NonIdealities",
    "COMPONENTS",
]


#: Largest accepted value of each field (generous physical limits that keep every perturbed
#: quantity finite in float32: relative spreads <= 1000 %, frequencies <= 10 THz ...).
_UPPER = {
    "relative_sigma": 1.0, "absolute_sigma": 1e13, "mix_sigma": 100.0,
    "temperature": 1e4, "reference_temperature": 1e4,
    "resonance_frequency_coefficient": 1.0, "threshold_current_coefficient": 1.0, "sensitivity_coefficient": 1.0,
    "bandwidth": 1e13, "extra_sigma": 1e3, "power_sigma": 10.0, "frequency_sigma": 1e13,
    "tuning_range": 1e13, "resolution": 1e13, "loss_per_device": 1e3, "full_scale": 1e3,
    "saturation_power": 1e3,
}
_SPREAD_LIMIT = 10.0  # DeviceVariability relative spreads


def _validate(obj, *, nonnegative=(), positive=(), fraction=(), infinite_ok=()) -> None:
    """Every field a finite, float32-safe real (``infinite_ok`` ones may be +inf: unlimited), stored
    back as a Python number; then the sign and range constraints, and the upper limits."""
    name = type(obj).__name__
    for f in fields(obj):
        value = getattr(obj, f.name)
        if f.name in infinite_ok and isinstance(value, numbers.Real) and not isinstance(value, bool) \
                and float(value) == math.inf:
            object.__setattr__(obj, f.name, math.inf)
            continue
        integer = f.type in ("int", int)
        object.__setattr__(obj, f.name, check_number(value, f"{name}.{f.name}", integer=integer))
    for key in nonnegative:
        if getattr(obj, key) < 0:
            raise RfspinError(f"{name}.{key} = {getattr(obj, key)!r}: must be >= 0")
    for key in positive:
        if not getattr(obj, key) > 0:
            raise RfspinError(f"{name}.{key} = {getattr(obj, key)!r}: must be > 0")
    for key in fraction:
        if not 0 <= getattr(obj, key) <= 1:
            raise RfspinError(f"{name}.{key} = {getattr(obj, key)!r}: must lie in [0, 1]")
    for f in fields(obj):
        value = getattr(obj, f.name)
        limit = _UPPER.get(f.name, _SPREAD_LIMIT if f.name.endswith("_sigma") else None)
        if limit is not None and value != math.inf and abs(value) > limit:
            raise RfspinError(f"{name}.{f.name} = {value!r}: magnitude must be <= {limit:g}")


@dataclass(frozen=True)
class ProgrammingError:
    """f_r written with error: f = f_target (1 + relative_sigma n1) + absolute_sigma n2, n ~ N(0, 1).

    relative_sigma [1] (fraction of f_r), absolute_sigma [Hz]. Static (a write is done once).
    Assumption: independent Gaussian errors per device (write-verify residual).
    """

    relative_sigma: float = 0.0
    absolute_sigma: float = 0.0

    def __post_init__(self) -> None:
        _validate(self, nonnegative=("relative_sigma", "absolute_sigma"))


@dataclass(frozen=True)
class DeviceVariability:
    """Device-to-device spread (static), relative std of log-normal factors of mean 1 [1].

    Resonators: damping (hence linewidth Delta = alpha f_r), sensitivity K; ``mix_sigma`` is the
    absolute std [1] of additive Gaussian offsets to a_A and a_S (symmetric/antisymmetric mix of
    measured spectra, docs/physics.md 1.1). Oscillators: threshold current I_th, nonlinear damping Q,
    emitted (free-running) frequency f0, emitted power (prefactor A).
    """

    damping_sigma: float = 0.0
    sensitivity_sigma: float = 0.0
    mix_sigma: float = 0.0
    threshold_current_sigma: float = 0.0
    nonlinear_damping_sigma: float = 0.0
    oscillator_frequency_sigma: float = 0.0
    oscillator_power_sigma: float = 0.0

    def __post_init__(self) -> None:
        _validate(self, nonnegative=tuple(f.name for f in fields(self)))


@dataclass(frozen=True)
class Temperature:
    """Operating temperature and linear coefficients around a reference temperature.

    X(T) = X(T_ref) (1 + c_X (T - T_ref)) for X = f_r, I_th, K (the oscillators' emitted
    frequency uses the f_r coefficient); T also sets the Johnson noise.
    temperature, reference_temperature [K]; coefficients [1/K].
    Default coefficients (assumptions, documented in docs/robustness.md): the vortex gyrotropic
    frequency scales with M_s; Bloch's law M_s = M_s0 (1 - (T/T_c)^1.5) for permalloy (T_c ~ 850 K)
    gives d ln M_s / dT ~ -1.3e-3 /K at 300 K, used for f_r and I_th (I_th ∝ alpha M_s f_r ...
    to first order ∝ M_s); the diode sensitivity follows the TMR, which drops ~ 0.1-0.2 %/K in
    MgO junctions near room temperature: -1.5e-3 /K.
    """

    temperature: float = 300.0
    reference_temperature: float = 300.0
    resonance_frequency_coefficient: float = -1.3e-3
    threshold_current_coefficient: float = -1.3e-3
    sensitivity_coefficient: float = -1.5e-3

    def __post_init__(self) -> None:
        _validate(self, positive=("temperature", "reference_temperature"))
        for key in ("resonance_frequency_coefficient", "threshold_current_coefficient", "sensitivity_coefficient"):
            factor = 1 + getattr(self, key) * (self.temperature - self.reference_temperature)
            if factor <= 0:
                raise RfspinError(
                    f"Temperature.temperature = {self.temperature!r} K with {key} = {getattr(self, key)!r} /K "
                    f"(reference {self.reference_temperature!r} K): the factor 1 + c (T - T_ref) = {factor:.3g} "
                    "is not positive"
                )

    def factor(self, coefficient: float) -> float:
        return 1.0 + coefficient * (self.temperature - self.reference_temperature)


@dataclass(frozen=True)
class VoltageNoise:
    """Noise on every rectified chain voltage, resampled each forward, per sample and chain [V].

    sigma^2 = 4 k_B T R_chain B + extra_sigma^2 (Johnson-Nyquist noise of the K junctions of a
    chain in series, R_chain = K R; T from :class:`Temperature`). bandwidth B [Hz] (0: no thermal
    term), extra_sigma [V] (amplifier / 1/f noise, user term).
    """

    bandwidth: float = 0.0
    extra_sigma: float = 0.0

    def __post_init__(self) -> None:
        _validate(self, nonnegative=("bandwidth", "extra_sigma"))


@dataclass(frozen=True)
class OscillatorNoise:
    """Oscillator fluctuations, resampled each forward.

    power_sigma [1]: relative std of the emitted power, per sample and neuron (amplitude noise).
    frequency_sigma [Hz]: std of the emitted frequency, drawn per forward and neuron (phase
    diffusion of a line of FWHM 2 frequency_sigma; e.g. 20 kHz for the 40 kHz minimum linewidth
    of docs/physics.md 1.3). Assumption: the frequency wanders slowly compared with one inference batch.
    """

    power_sigma: float = 0.0
    frequency_sigma: float = 0.0

    def __post_init__(self) -> None:
        _validate(self, nonnegative=("power_sigma", "frequency_sigma"))


@dataclass(frozen=True)
class NonVolatileTuning:
    """Analog non-volatile synapses (docs/physics.md 1.5): f_r set over a limited range with finite steps.

    tuning_range [Hz]: full range centred on each device's as-fabricated (anchor) frequency
    (inf: unlimited; ~15 MHz for a storage-layer vortex MTJ). resolution [Hz]: programming step
    (0: continuous). Deterministic; applied before the programming error.
    """

    tuning_range: float = math.inf
    resolution: float = 0.0

    def __post_init__(self) -> None:
        _validate(self, positive=("tuning_range",), nonnegative=("resolution",), infinite_ok=("tuning_range",))


@dataclass(frozen=True)
class Defects:
    """Dead and stuck devices (static, independent per device).

    dead_fraction [1]: resonators that rectify nothing (shorted junction, K = 0); dead
    oscillators emit nothing. stuck_fraction [1]: resonators whose f_r stays at the
    as-fabricated anchor frequency (programming has no effect).
    """

    dead_fraction: float = 0.0
    stuck_fraction: float = 0.0

    def __post_init__(self) -> None:
        _validate(self, fraction=("dead_fraction", "stuck_fraction"))


@dataclass(frozen=True)
class InsertionLoss:
    """RF power lost per resonator along a chain: position k sees P 10^(-loss_per_device k / 10).

    loss_per_device [dB] (docs/physics.md 1.2: the reference assumes amplification keeps the power).
    """

    loss_per_device: float = 0.0

    def __post_init__(self) -> None:
        _validate(self, nonnegative=("loss_per_device",))


@dataclass(frozen=True)
class OutputADC:
    """ADC on the output chain voltages [V]: ``bits`` over -full_scale ... +full_scale, clipped.

    bits = 0: no ADC (ideal readout).
    """

    bits: int = 0
    full_scale: float = 0.1

    def __post_init__(self) -> None:
        if isinstance(self.bits, bool) or not isinstance(self.bits, numbers.Integral) or not 0 <= self.bits <= 32:
            raise RfspinError(f"OutputADC.bits = {self.bits!r}: must be an integer in [0, 32]")
        _validate(self, positive=("full_scale",))


@dataclass(frozen=True)
class DiodeSaturation:
    """Saturation of the spin diode at high power: P_eff = P / (1 + P / saturation_power) [W].

    Applied to each tone power entering a chain (inf: square-law regime, docs/physics.md 1.1).
    """

    saturation_power: float = math.inf

    def __post_init__(self) -> None:
        _validate(self, positive=("saturation_power",), infinite_ok=("saturation_power",))


#: Section name in configs -> component class.
COMPONENTS = {
    "programming_error": ProgrammingError,
    "variability": DeviceVariability,
    "temperature": Temperature,
    "voltage_noise": VoltageNoise,
    "oscillator_noise": OscillatorNoise,
    "tuning": NonVolatileTuning,
    "defects": Defects,
    "insertion_loss": InsertionLoss,
    "adc": OutputADC,
    "saturation": DiodeSaturation,
}


@dataclass(frozen=True)
class NonIdealities:
    """All non-idealities of a chip; the defaults are the ideal chip."""

    programming_error: ProgrammingError = field(default_factory=ProgrammingError)
    variability: DeviceVariability = field(default_factory=DeviceVariability)
    temperature: Temperature = field(default_factory=Temperature)
    voltage_noise: VoltageNoise = field(default_factory=VoltageNoise)
    oscillator_noise: OscillatorNoise = field(default_factory=OscillatorNoise)
    tuning: NonVolatileTuning = field(default_factory=NonVolatileTuning)
    defects: Defects = field(default_factory=Defects)
    insertion_loss: InsertionLoss = field(default_factory=InsertionLoss)
    adc: OutputADC = field(default_factory=OutputADC)
    saturation: DiodeSaturation = field(default_factory=DiodeSaturation)

    def __post_init__(self) -> None:
        for name, cls in COMPONENTS.items():
            if not isinstance(getattr(self, name), cls):
                got = type(getattr(self, name)).__name__
                raise RfspinTypeError(f"NonIdealities.{name}: expected {cls.__name__}, got {got}")

    @property
    def has_noise(self) -> bool:
        return (
            self.voltage_noise != VoltageNoise()
            or self.oscillator_noise != OscillatorNoise()
        )
