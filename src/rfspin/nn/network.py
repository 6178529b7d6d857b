"""RF spintronic networks of any depth, their specification, and the software baseline.

An RFNetwork is [ResonatorChainLayer, OscillatorLayer]* + ResonatorChainLayer: RF -> DC -> RF ...
The output chains' voltages are the network's outputs (no oscillator on the output layer, as in
Ross et al. 2023). Inputs are tone powers normalised to ``input_power`` (dimensionless, >= 0;
e.g. spectra in [0, 1]); ``logits = V_out / readout_scale`` is the loss-side view of the output
voltages (a software temperature; argmax and hence accuracy do not depend on it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import torch
from torch import Tensor, nn

from ..errors import RfspinError, RfspinTypeError
from ..physics.frequency_plan import PLAN_KINDS, frequency_plan
from ..physics.params import (
    ROSS2023_OSCILLATOR,
    ROSS2023_RESONATOR,
    OscillatorParams,
    ResonatorParams,
)
from ..validation import check_fields, check_number
from .engine import IDEAL_HOOKS, LayerHooks, chain_layers, oscillator_layers, run_layers
from .oscillator_layer import OscillatorLayer
from .resonator_layer import ResonatorChainLayer
from .tones import MAX_RF_POWER, as_powers

__all__ = ["NetworkSpec", "RFNetwork", "SoftwareMLP", "SpecFields", "build_rf_network"]


@dataclass(frozen=True)
class NetworkSpec:
    """Everything needed to rebuild an RFNetwork's structure (not its trained values).

    Fields:
        sizes: layer widths, inputs first, e.g. (256, 128, 10).
        input_frequencies: (I,) input tone frequencies [Hz]; empty -> plan over the band.
        plan: frequency plan kind for inputs (if not given) and hidden oscillators.
        min_frequency, max_frequency: band of input tones and hidden oscillators [Hz].
        input_power: RF power of a normalised input of 1 [W].
        readout_scale: output voltage corresponding to one logit unit [V].
        init_detuning: half-width of uniform initial detuning [linewidths].
        resonator, oscillator: device parameters.
    """

    sizes: tuple[int, ...]
    input_frequencies: tuple[float, ...] = ()
    plan: str = "linear"
    min_frequency: float = 20e6
    max_frequency: float = 120e6
    input_power: float = 1e-6
    readout_scale: float = 1e-3
    init_detuning: float = 1.0
    resonator: ResonatorParams = ROSS2023_RESONATOR
    oscillator: OscillatorParams = ROSS2023_OSCILLATOR
    hidden_plan: str = "geometric"

    def __post_init__(self) -> None:
        if isinstance(self.sizes, (str, bytes)) or not hasattr(self.sizes, "__iter__"):
            raise RfspinTypeError(f"NetworkSpec.sizes = {self.sizes!r}: must be a sequence of layer widths")
        sizes = tuple(check_number(s, "NetworkSpec.sizes", integer=True, ge=1) for s in self.sizes)
        object.__setattr__(self, "sizes", sizes)
        if isinstance(self.input_frequencies, (str, bytes)) or not hasattr(self.input_frequencies, "__iter__"):
            raise RfspinTypeError(f"NetworkSpec.input_frequencies = {self.input_frequencies!r}: must be a "
                                  "sequence of frequencies [Hz]")
        object.__setattr__(self, "input_frequencies", tuple(
            check_number(f, "NetworkSpec.input_frequencies", gt=0.0) for f in self.input_frequencies))
        if len(sizes) < 2:
            raise RfspinError(f"sizes = {sizes!r}: need at least (inputs, outputs), each >= 1")
        if self.input_frequencies and len(self.input_frequencies) != sizes[0]:
            raise RfspinError(
                f"input_frequencies has {len(self.input_frequencies)} entries, sizes[0] = {sizes[0]}"
            )
        for kind in (self.plan, self.hidden_plan):
            if kind not in PLAN_KINDS:
                raise RfspinError(f"frequency plan = {kind!r}: must be one of {PLAN_KINDS}")
        check_fields(
            self,
            min_frequency={"gt": 0.0, "le": 1e12},
            max_frequency={"gt": 0.0, "le": 1e12},
            input_power={"gt": 0.0, "le": MAX_RF_POWER},  # W per normalised unit
            readout_scale={"ge": 1e-12, "le": 1e3},  # V per logit unit
            init_detuning={"ge": 0.0, "le": 1e6},  # linewidths
        )
        for name, cls in (("resonator", ResonatorParams), ("oscillator", OscillatorParams)):
            if not isinstance(getattr(self, name), cls):
                raise RfspinTypeError(f"NetworkSpec.{name} = {getattr(self, name)!r}: must be a {cls.__name__} "
                                      "(build it from a dict with NetworkSpec.from_dict)")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "NetworkSpec":
        data = dict(data)
        unknown = set(data) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise RfspinError(f"network spec: unknown keys {sorted(unknown)}")
        data["resonator"] = ResonatorParams(**data.get("resonator", {}))
        data["oscillator"] = OscillatorParams(**data.get("oscillator", {}))
        data["sizes"] = tuple(data["sizes"])
        data["input_frequencies"] = tuple(data.get("input_frequencies", ()))
        return cls(**data)

    def input_tones(self) -> Tensor:
        if self.input_frequencies:
            return torch.tensor(self.input_frequencies, dtype=torch.float64)
        return frequency_plan(self.plan, self.sizes[0], self.min_frequency, self.max_frequency)

    def hidden_tones(self, n: int) -> Tensor:
        return frequency_plan(self.hidden_plan, n, self.min_frequency, self.max_frequency)


#: SpecFields field -> key in plain-dict records (units in the names; device parameters in SI).
_SPEC_FIELD_KEYS = {
    "input_power": "input_power_w",
    "readout_scale": "readout_scale_v",
    "plan": "plan",
    "hidden_plan": "hidden_plan",
    "min_frequency": "min_frequency_hz",
    "max_frequency": "max_frequency_hz",
    "init_detuning": "init_detuning_linewidths",
    "resonator": "resonator",
    "oscillator": "oscillator",
}


@dataclass(frozen=True)
class SpecFields:
    """The NetworkSpec fields a task or a run sets (None: NetworkSpec's default); units as NetworkSpec.

    Validated by building a NetworkSpec with them, so a bad value fails where it is written.
    """

    input_power: float | None = None
    readout_scale: float | None = None
    plan: str | None = None
    hidden_plan: str | None = None
    min_frequency: float | None = None
    max_frequency: float | None = None
    init_detuning: float | None = None
    resonator: ResonatorParams | None = None
    oscillator: OscillatorParams | None = None

    def __post_init__(self) -> None:
        for name in ("resonator", "oscillator"):
            value, cls = getattr(self, name), ResonatorParams if name == "resonator" else OscillatorParams
            if value is not None and not isinstance(value, cls):
                raise RfspinTypeError(f"SpecFields.{name}: expected {cls.__name__}, got {type(value).__name__}")
        NetworkSpec(sizes=(1, 1), **self.as_kwargs())

    def as_kwargs(self) -> dict:
        """The fields that are set, as NetworkSpec keyword arguments."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def updated(self, other: "SpecFields") -> "SpecFields":
        """These fields with ``other``'s set fields on top."""
        return replace(self, **other.as_kwargs())

    def to_dict(self) -> dict:
        """Plain dict of the set fields, units in the keys (``input_power_w`` ...)."""
        out = {}
        for name, value in self.as_kwargs().items():
            out[_SPEC_FIELD_KEYS[name]] = asdict(value) if name in ("resonator", "oscillator") else value
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "SpecFields":
        names = {key: name for name, key in _SPEC_FIELD_KEYS.items()}
        unknown = set(data) - set(names)
        if unknown:
            raise RfspinError(f"network spec fields: unknown keys {sorted(unknown)}; allowed {sorted(names)}")
        kwargs = {names[k]: v for k, v in data.items()}
        if kwargs.get("resonator") is not None:
            kwargs["resonator"] = ResonatorParams(**kwargs["resonator"])
        if kwargs.get("oscillator") is not None:
            kwargs["oscillator"] = OscillatorParams(**kwargs["oscillator"])
        return cls(**kwargs)


class RFNetwork(nn.Module):
    """Resonator chains and oscillator neurons, alternating; outputs are chain voltages [V]."""

    def __init__(self, spec: NetworkSpec, *, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.spec = spec
        layers: list[nn.Module] = []
        tones = spec.input_tones()
        sizes = spec.sizes
        for depth, n_out in enumerate(sizes[1:]):
            layers.append(
                ResonatorChainLayer(
                    tones, n_out, spec.resonator, init_detuning=spec.init_detuning, generator=generator
                )
            )
            if depth < len(sizes) - 2:
                tones = spec.hidden_tones(n_out)
                layers.append(OscillatorLayer(tones, spec.oscillator))
        self.layers = nn.ModuleList(layers)
        self.register_buffer("input_power", torch.tensor(spec.input_power))
        self.register_buffer("readout_scale", torch.tensor(spec.readout_scale))

    @property
    def resonator_layers(self) -> list[ResonatorChainLayer]:
        return chain_layers(self.layers)

    @property
    def oscillator_layers(self) -> list[OscillatorLayer]:
        return oscillator_layers(self.layers)

    @property
    def stages(self) -> list[nn.Module]:
        """The layers in the order the engine walks them (as :attr:`RFCNN.stages`)."""
        return list(self.layers)

    @property
    def dtype(self) -> torch.dtype:
        """The floating type the network computes in (its parameters')."""
        return self.layers[0].detuning.dtype

    @property
    def n_synapses(self) -> int:
        """Resonators in the network (one per chain position)."""
        return sum(layer.n_resonators for layer in self.resonator_layers)

    @property
    def n_neurons(self) -> int:
        """Input tones plus hidden oscillators, as the lecture counts them (784-300-10 -> 1,084).

        Each input tone is taken to come from one emitter (an oscillator in a full RF system);
        output chains are read as voltages and are not counted.
        """
        return self.spec.sizes[0] + sum(layer.n_neurons for layer in self.oscillator_layers)

    def forward_powers(self, powers: Tensor, *, hooks: LayerHooks = IDEAL_HOOKS, return_intermediate: bool = False):
        """Input tone powers (B, I) [W] (validated, in the network's dtype) -> output voltages (B, n_out) [V].

        ``hooks``: see :mod:`rfspin.nn.engine` (default: the ideal network). With
        ``return_intermediate``, also the list of every layer's output (voltages, Tones).
        """
        if not return_intermediate:
            return run_layers(self.layers, powers, hooks)
        tap = _IntermediateTap(hooks)
        out = run_layers(self.layers, powers, tap)
        return out, tap.outputs

    def normalised_inputs(self, inputs: Tensor, what: str = "network inputs (normalised powers)") -> Tensor:
        """Normalised inputs (B, I) of any real dtype, converted and checked (finite, >= 0, at most
        ``MAX_RF_POWER`` once scaled by ``input_power``): one host sync."""
        return as_powers(inputs, self.spec.sizes[0], self.dtype, what, device=self.input_power.device,
                         max_value=MAX_RF_POWER / self.spec.input_power)

    def input_powers(self, inputs: Tensor) -> Tensor:
        """Normalised inputs (B, I) of any real dtype -> checked tone powers [W] (one host sync)."""
        x = self.normalised_inputs(inputs)
        return x * self.input_power.to(x.dtype)

    def forward(self, inputs: Tensor) -> Tensor:
        """Normalised input powers (B, I), finite and >= 0 -> output voltages (B, n_out) [V]."""
        return self.forward_powers(self.input_powers(inputs))

    def logits(self, inputs: Tensor) -> Tensor:
        return self(inputs) / self.readout_scale

    @torch.no_grad()
    def project_(self) -> None:
        for layer in self.resonator_layers:
            layer.project_()


class SoftwareMLP(nn.Module):
    """The software baseline: nn.Linear + ReLU of the same widths."""

    def __init__(self, sizes: tuple[int, ...], *, generator: torch.Generator | None = None) -> None:
        super().__init__()
        if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
            raise RfspinError(f"sizes = {sizes!r}: need at least (inputs, outputs), each >= 1")
        mods: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            lin = nn.Linear(a, b)
            if generator is not None:  # seeded, same distribution as torch's default init
                bound = 1.0 / a**0.5
                with torch.no_grad():
                    lin.weight.uniform_(-bound, bound, generator=generator)
                    lin.bias.uniform_(-bound, bound, generator=generator)
            mods.append(lin)
            if i < len(sizes) - 2:
                mods.append(nn.ReLU())
        self.net = nn.Sequential(*mods)
        self.sizes = tuple(sizes)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.to(self.net[0].weight.dtype))

    def logits(self, x: Tensor) -> Tensor:
        return self(x)

    def project_(self) -> None:
        """Nothing to project: software weights are unconstrained (the Trainable protocol)."""


class _IntermediateTap(LayerHooks):
    """Wraps hooks and keeps every layer's output: voltages of chain layers, Tones of oscillators."""

    def __init__(self, inner: LayerHooks) -> None:
        self.inner, self.outputs = inner, []

    def before_chains(self, site):
        self.inner.before_chains(site)

    def tone_powers(self, site, powers):
        return self.inner.tone_powers(site, powers)

    def resonator_weights(self, site, tone_frequencies):
        return self.inner.resonator_weights(site, tone_frequencies)

    def chain_readout(self, site, voltages):
        return self.inner.chain_readout(site, voltages)

    def record(self, site, powers, tone_frequencies, voltages):
        self.inner.record(site, powers, tone_frequencies, voltages)

    def feed_forward(self, site, voltages):
        out = self.inner.feed_forward(site, voltages)
        self.outputs.append(out)
        return out

    def oscillator_tones(self, index, layer, voltages):
        tones = self.inner.oscillator_tones(index, layer, voltages)
        self.outputs.append(tones)
        return tones


def build_rf_network(
    sizes: tuple[int, ...] | list[int],
    *,
    input_frequencies: Tensor | None = None,
    seed: int | None = 0,
    **spec_fields,
) -> RFNetwork:
    """Build an RFNetwork, e.g. ``build_rf_network((256, 128, 10))``.

    ``spec_fields`` are NetworkSpec fields (``resonator=``, ``oscillator=``, ``plan=`` ...).
    """
    freqs = () if input_frequencies is None else tuple(torch.as_tensor(input_frequencies).tolist())
    spec = NetworkSpec(sizes=tuple(sizes), input_frequencies=freqs, **spec_fields)
    gen = None if seed is None else torch.Generator().manual_seed(seed)
    return RFNetwork(spec, generator=gen)

