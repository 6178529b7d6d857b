"""Technology presets for energy, latency and area estimates: frozen dataclasses, SI units.

Every field is an assumption of the estimate; each preset says where each value comes from
(``sources``), and :func:`preset_assumptions` lists them with units for the report. Presets are
named instances; derive variants with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from ..errors import RfspinError

__all__ = [
    "TechnologyPreset",
    "FIELD_UNITS",
    "SPINTRONIC_20NM",
    "ROSS2023_VORTEX",
    "PER_OP_20NM",
    "PRESETS",
    "preset_for",
    "preset_assumptions",
]

#: Unit of every numeric preset field (SI).
FIELD_UNITS: dict[str, str] = {
    "resonance_frequency": "Hz",
    "resonator_damping": "1",
    "settle_time_constants": "1",
    "rf_power_per_synapse": "W",
    "amplifier_efficiency": "1",
    "oscillator_resistance": "ohm",
    "oscillator_current": "A",
    "oscillator_threshold_current": "A",
    "oscillator_relaxation_rate": "1/s",
    "conversion_energy": "J",
    "adc_figure_of_merit": "J/step",
    "adc_bits": "bit",
    "adc_sample_rate": "Hz",
    "resonator_pitch": "m",
    "oscillator_pitch": "m",
    "chain_periphery_area": "m^2",
}


@dataclass(frozen=True)
class TechnologyPreset:
    """Device and circuit figures of one technology.

    Fields (SI units, see FIELD_UNITS):
        name, description: identification.
        resonance_frequency: typical resonator f_r; half linewidth Delta = damping * f_r [Hz].
        resonator_damping: alpha [1].
        settle_time_constants: time constants waited for a response to settle (3 -> 95 %) [1].
        rf_power_per_synapse: RF power one resonator absorbs from the tones while its chain is
            read, i.e. the power the chain amplifiers must restore per synaptic operation [W].
        amplifier_efficiency: DC-to-RF efficiency of the amplifiers restoring chain power [1].
        oscillator_resistance: R of an oscillator (input emitters and hidden neurons) [ohm].
        oscillator_current: DC operating current I; DC power R I^2 [A].
        oscillator_threshold_current: I_th; zeta = I / I_th sets the relaxation rate [A].
        oscillator_relaxation_rate: Gamma_G, amplitude damping rate [1/s].
        conversion_energy: one chain-voltage -> oscillator-current conversion [J].
        adc_figure_of_merit: Walden FoM, energy per conversion step of the output ADCs [J/step].
        adc_bits: ADC resolution [bit]. adc_sample_rate: one sample per output chain [Hz].
        resonator_pitch, oscillator_pitch: cell pitch; area = count * pitch^2 [m].
        chain_periphery_area: amplifier + converter/ADC area per chain [m^2].
        sources: (field, source) pairs; a field missing here is reported as an assumption.
    """

    name: str
    description: str
    resonance_frequency: float
    resonator_damping: float
    settle_time_constants: float
    rf_power_per_synapse: float
    amplifier_efficiency: float
    oscillator_resistance: float
    oscillator_current: float
    oscillator_threshold_current: float
    oscillator_relaxation_rate: float
    conversion_energy: float
    adc_figure_of_merit: float
    adc_bits: int
    adc_sample_rate: float
    resonator_pitch: float
    oscillator_pitch: float
    chain_periphery_area: float
    sources: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for name in FIELD_UNITS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise RfspinError(f"TechnologyPreset.{name} = {value!r}: must be a finite number")
        for name in ("resonance_frequency", "resonator_damping", "settle_time_constants",
                     "oscillator_resistance", "oscillator_threshold_current", "oscillator_relaxation_rate",
                     "adc_sample_rate", "resonator_pitch", "oscillator_pitch"):
            if not getattr(self, name) > 0:
                raise RfspinError(f"TechnologyPreset.{name} = {getattr(self, name)!r}: must be > 0")
        for name in ("rf_power_per_synapse", "conversion_energy", "adc_figure_of_merit", "chain_periphery_area"):
            if getattr(self, name) < 0:
                raise RfspinError(f"TechnologyPreset.{name} = {getattr(self, name)!r}: must be >= 0")
        if not 0 < self.amplifier_efficiency <= 1:
            raise RfspinError(
                f"TechnologyPreset.amplifier_efficiency = {self.amplifier_efficiency!r}: must be in (0, 1]"
            )
        if not self.oscillator_current > self.oscillator_threshold_current:
            raise RfspinError(
                f"TechnologyPreset.oscillator_current = {self.oscillator_current!r} A: must exceed "
                f"oscillator_threshold_current = {self.oscillator_threshold_current!r} A (an oscillator must oscillate)"
            )
        if int(self.adc_bits) != self.adc_bits or not 1 <= self.adc_bits <= 24:
            raise RfspinError(f"TechnologyPreset.adc_bits = {self.adc_bits!r}: must be an integer in 1..24")
        unknown = {f for f, _ in self.sources} - set(FIELD_UNITS)
        if unknown:
            raise RfspinError(f"TechnologyPreset.sources: unknown fields {sorted(unknown)}")


def preset_assumptions(preset: TechnologyPreset) -> list[dict]:
    """Every numeric field as {name, value, unit, source} (source 'assumption' when none given)."""
    sources = dict(preset.sources)
    return [
        {"name": f.name, "value": float(getattr(preset, f.name)), "unit": FIELD_UNITS[f.name],
         "source": sources.get(f.name, "assumption")}
        for f in fields(preset)
        if f.name in FIELD_UNITS
    ]


_ROSS2023 = "Ross et al., Nat. Nanotechnol. 18, 1273 (2023)"
_CAL = "assumption, calibrated so that 784-300-10 gives the lecture's ~1 nJ per classification"

#: Scaled 20 nm MTJs (Ross/Grollier projection). Resonator and oscillator at 5 GHz with alpha =
#: 0.01 settle in 3/(2 pi alpha f) = 9.5 ns; an oscillator at 70 uA, 1 kOhm (4.9 uW) running
#: for its relaxation plus the next layer's integration (19 ns) costs ~94 fJ per neuron op; the
#: synapse RF power is calibrated on the lecture's MLP figure, which gives 3.8 fJ per synaptic
#: op (see docs/energy.md for why the quoted ~10 fJ cannot give both lecture figures).
SPINTRONIC_20NM = TechnologyPreset(
    name="spintronic-20nm",
    description="projected 20 nm MTJs (Ross/Grollier): ~100 fJ per neuron op, synapse calibrated on the MLP's 1 nJ",
    resonance_frequency=5e9,
    resonator_damping=0.01,
    settle_time_constants=3.0,
    rf_power_per_synapse=0.2e-6,
    amplifier_efficiency=0.5,
    oscillator_resistance=1e3,
    oscillator_current=70e-6,
    oscillator_threshold_current=35e-6,
    oscillator_relaxation_rate=0.01 * 2 * math.pi * 5e9,
    conversion_energy=10e-15,
    adc_figure_of_merit=5e-15,
    adc_bits=8,
    adc_sample_rate=1e9,
    resonator_pitch=60e-9,
    oscillator_pitch=60e-9,
    chain_periphery_area=100e-12,
    sources=(
        ("resonator_damping", "docs/physics.md 1.1 reference alpha = 0.01"),
        ("oscillator_relaxation_rate",
         "Gamma_G = alpha * 2 pi f (universal oscillator model), alpha = 0.01, f = 5 GHz"),
        ("oscillator_current", "assumption, sets ~100 fJ per neuron op (Ross/Grollier, docs/physics.md 4)"),
        ("rf_power_per_synapse", _CAL),
        ("adc_figure_of_merit", "assumption, state-of-the-art SAR ADC Walden FoM (few fJ/step)"),
    ),
)

#: Today's vortex MTJs (Ross et al. 2023): f 20-120 MHz (70 MHz typical), I 10-40 uA around
#: 25 uA, R 1 kOhm, Gamma_G as ROSS2023_OSCILLATOR, 1 uW tones of which a resonator absorbs 10 %.
ROSS2023_VORTEX = TechnologyPreset(
    name="ross2023-vortex",
    description="today's vortex MTJs (Ross et al. 2023): 20-120 MHz, 10-40 uA, 1 kOhm",
    resonance_frequency=70e6,
    resonator_damping=0.01,
    settle_time_constants=3.0,
    rf_power_per_synapse=0.1e-6,
    amplifier_efficiency=0.3,
    oscillator_resistance=1e3,
    oscillator_current=25e-6,
    oscillator_threshold_current=10e-6,
    oscillator_relaxation_rate=2 * math.pi * 20e6 * 0.01,
    conversion_energy=1e-12,
    adc_figure_of_merit=50e-15,
    adc_bits=8,
    adc_sample_rate=100e6,
    resonator_pitch=1e-6,
    oscillator_pitch=1e-6,
    chain_periphery_area=1e-9,
    sources=(
        ("resonance_frequency", f"{_ROSS2023}: 20-120 MHz band (centre)"),
        ("resonator_damping", f"{_ROSS2023} / docs/physics.md 1.1: alpha = 0.01"),
        ("oscillator_resistance", f"{_ROSS2023}: R = 1 kOhm"),
        ("oscillator_current", f"{_ROSS2023}: I in 10-40 uA (mid value)"),
        ("oscillator_threshold_current", f"{_ROSS2023}: I_th = 10 uA"),
        ("oscillator_relaxation_rate", "rfspin ROSS2023_OSCILLATOR.relaxation_rate = 2 pi 20 MHz x 0.01"),
        ("rf_power_per_synapse", "assumption: 1 uW tones (docs/physics.md 1.3 P_max), 10 % absorbed per resonator"),
    ),
)

#: The Ross/Grollier per-operation figures taken literally: 10 fJ per synaptic op (1 uW absorbed
#: for 10 ns, ideal amplification) and ~100 fJ per neuron op, no readout or conversion cost.
#: Reproduces the lecture's CNN figure (6.7 M x 10 fJ + 8,576 x 100 fJ = 68 nJ), not its MLP one.
PER_OP_20NM = TechnologyPreset(
    name="per-op-20nm",
    description="Ross/Grollier per-op figures literally: 10 fJ/synaptic op, 100 fJ/neuron op, no periphery",
    resonance_frequency=3.0 / (2 * math.pi * 0.01 * 10e-9),  # 3 time constants = 10 ns
    resonator_damping=0.01,
    settle_time_constants=3.0,
    rf_power_per_synapse=1e-6,
    amplifier_efficiency=1.0,
    oscillator_resistance=1e3,
    oscillator_current=math.sqrt(100e-15 / 20e-9 / 1e3),  # R I^2 x 20 ns = 100 fJ
    oscillator_threshold_current=math.sqrt(100e-15 / 20e-9 / 1e3) / 2,
    oscillator_relaxation_rate=3.0 / 10e-9,  # zeta = 2: 3 time constants = 10 ns
    conversion_energy=0.0,
    adc_figure_of_merit=0.0,
    adc_bits=8,
    adc_sample_rate=1e9,
    resonator_pitch=60e-9,
    oscillator_pitch=60e-9,
    chain_periphery_area=0.0,
    sources=(
        ("rf_power_per_synapse", "Ross/Grollier (docs/physics.md 4): 10 fJ per synaptic op = 1 uW x 10 ns"),
        ("oscillator_current", "Ross/Grollier (docs/physics.md 4): 100 fJ per neuron op = R I^2 x 20 ns"),
    ),
)

PRESETS: dict[str, TechnologyPreset] = {p.name: p for p in (SPINTRONIC_20NM, ROSS2023_VORTEX, PER_OP_20NM)}


def preset_for(name: str) -> TechnologyPreset:
    """The named preset; clear error listing the known names."""
    if name not in PRESETS:
        raise RfspinError(f"unknown technology preset {name!r}: choose one of {sorted(PRESETS)}")
    return PRESETS[name]
