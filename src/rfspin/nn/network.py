"""RF spintronic networks of any depth, their specification, and the software baseline.

An RFNetwork is [ResonatorChainLayer, OscillatorLayer]* + ResonatorChainLayer: RF -> DC -> RF ...
The output chains' voltages are the network's outputs (no oscillator on the output layer, as in
Ross et al. 2023). Inputs are tone powers normalised to ``input_power`` (dimensionless, >= 0;
e.g. spectra in [0, 1]); ``logits = V_out / readout_scale`` is the loss-side view of the output
voltages (a software temperature; argmax and hence accuracy do not depend on it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from ..errors import RfspinError
from ..physics.frequency_plan import PLAN_KINDS, frequency_plan
from ..physics.params import (
    ROSS2023_OSCILLATOR,
    ROSS2023_RESONATOR,
    OscillatorParams,
    ResonatorParams,
)
from .oscillator_layer import OscillatorLayer
from .resonator_layer import ResonatorChainLayer
from .tones import Tones, check_powers

__all__ = ["NetworkSpec", "RFNetwork", "SoftwareMLP", "build_rf_network"]


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
        sizes = tuple(int(s) for s in self.sizes)
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "input_frequencies", tuple(float(f) for f in self.input_frequencies))
        if len(sizes) < 2 or any(s < 1 for s in sizes):
            raise RfspinError(f"sizes = {sizes!r}: need at least (inputs, outputs), each >= 1")
        if self.input_frequencies and len(self.input_frequencies) != sizes[0]:
            raise RfspinError(
                f"input_frequencies has {len(self.input_frequencies)} entries, sizes[0] = {sizes[0]}"
            )
        for kind in (self.plan, self.hidden_plan):
            if kind not in PLAN_KINDS:
                raise RfspinError(f"frequency plan = {kind!r}: must be one of {PLAN_KINDS}")
        for name in ("input_power", "readout_scale", "min_frequency", "max_frequency"):
            if not getattr(self, name) > 0:
                raise RfspinError(f"NetworkSpec.{name} = {getattr(self, name)!r}: must be > 0")
        if self.init_detuning < 0:
            raise RfspinError(f"NetworkSpec.init_detuning = {self.init_detuning!r}: must be >= 0")

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
        return [m for m in self.layers if isinstance(m, ResonatorChainLayer)]

    @property
    def oscillator_layers(self) -> list[OscillatorLayer]:
        return [m for m in self.layers if isinstance(m, OscillatorLayer)]

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

    def forward_powers(self, powers: Tensor, *, return_intermediate: bool = False):
        """Input tone powers (B, I) [W] -> output voltages (B, n_out) [V].

        With ``return_intermediate``, also the list of every layer's output (voltages, Tones).
        """
        x: Tensor | Tones = powers
        inter = []
        for layer in self.layers:
            x = layer(x)
            inter.append(x)
        return (x, inter) if return_intermediate else x

    def forward(self, inputs: Tensor) -> Tensor:
        """Normalised input powers (B, I), finite and >= 0 -> output voltages (B, n_out) [V]."""
        check_powers(inputs, self.spec.sizes[0], "network inputs (normalised powers)")
        return self.forward_powers(inputs * self.input_power)

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
        return self.net(x)

    def logits(self, x: Tensor) -> Tensor:
        return self(x)


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

