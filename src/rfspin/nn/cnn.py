"""RF spintronic CNN (resonator-chain convolutions + oscillator neurons) and its software twin.

Structure (``CNNSpec``): [RFConv2d -> average pooling of chain voltages -> oscillators]* ->
flatten -> dense RF head (an :class:`rfspin.nn.network.RFNetwork` fed with the oscillator powers:
resonator chains, hidden oscillators, output chains). Inputs are normalised image powers
(B, C*H*W) or (B, C, H, W) in [0, 1], scaled by ``input_power`` [W]; ``logits`` = output
voltages / ``readout_scale``. The software baseline ``SoftwareCNN`` has the same shapes
(nn.Conv2d, average pooling, ReLU, nn.Linear).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import RfspinError, RfspinTypeError
from ..physics.params import (
    ROSS2023_OSCILLATOR,
    ROSS2023_RESONATOR,
    OscillatorParams,
    ResonatorParams,
)
from .conv import CONV_ENCODINGS, RFConv2d, RFConvNeurons, conv_output_size
from .counts import LayerCounts
from .engine import IDEAL_HOOKS, LayerHooks, run_layers
from .network import NetworkSpec, RFNetwork, SoftwareMLP

__all__ = ["CNNSpec", "RFCNN", "SoftwareCNN", "LECTURE_CNN_SPEC", "LECTURE_CNN_COUNTS"]


@dataclass(frozen=True)
class CNNSpec:
    """Structure of an RF CNN (not its trained values). The defaults are rfspin's MNIST CNN (task
    ``mnist-cnn``): conv 16@5x5 -> pool 2 -> conv 32@5x5 -> pool 2 -> 100 oscillators -> 10 chains.

    image_shape: (channels, height, width) of the input images.
    convs: one (out_channels, kernel, stride, padding, pool) per convolution.
    hidden: widths of the dense head's hidden layers; n_classes: outputs.
    input_power: RF power of a normalised pixel of 1 [W].
    stage_attenuation: power ratio of the passive attenuator after every oscillator stage [1]:
        sets the swing of the next layer's chain voltages (sums over hundreds of tones) against
        the oscillators' input window (about -8 mV to +0.8 mV for the ROSS2023 neuron; centre the
        chains with :func:`rfspin.nn.operating_point.set_operating_points_`).
    readout_scale: output voltage of one logit unit [V].
    min_frequency, max_frequency: band of every tone plan [Hz].
    encoding: "time-sequential" or "parallel" (device counts only; same function).
    init_detuning: half-width of the uniform initial detuning [linewidths].
    resonator, oscillator: device parameters.
    """

    image_shape: tuple[int, int, int] = (1, 28, 28)
    convs: tuple[tuple[int, int, int, int, int], ...] = ((16, 5, 1, 0, 2), (32, 5, 1, 0, 2))
    hidden: tuple[int, ...] = (100,)
    n_classes: int = 10
    input_power: float = 1e-7
    stage_attenuation: float = 3e-2
    readout_scale: float = 1e-2
    min_frequency: float = 20e6
    max_frequency: float = 120e6
    encoding: str = "time-sequential"
    init_detuning: float = 1.0
    resonator: ResonatorParams = ROSS2023_RESONATOR
    oscillator: OscillatorParams = ROSS2023_OSCILLATOR

    def __post_init__(self) -> None:
        object.__setattr__(self, "image_shape", tuple(int(v) for v in self.image_shape))
        object.__setattr__(self, "convs", tuple(tuple(int(v) for v in c) for c in self.convs))
        object.__setattr__(self, "hidden", tuple(int(v) for v in self.hidden))
        if len(self.image_shape) != 3 or min(self.image_shape) < 1:
            raise RfspinError(f"image_shape = {self.image_shape!r}: must be (channels, height, width), each >= 1")
        if not self.convs or any(len(c) != 5 for c in self.convs):
            raise RfspinError(f"convs = {self.convs!r}: need >= 1 tuple (out_channels, kernel, stride, padding, pool)")
        if self.encoding not in CONV_ENCODINGS:
            raise RfspinError(f"encoding = {self.encoding!r}: must be one of {CONV_ENCODINGS}")
        if self.n_classes < 2 or any(h < 1 for h in self.hidden):
            raise RfspinError(f"n_classes = {self.n_classes!r}, hidden = {self.hidden!r}: "
                              "need >= 2 classes, widths >= 1")
        for name in ("input_power", "readout_scale", "min_frequency", "max_frequency"):
            if not getattr(self, name) > 0:
                raise RfspinError(f"CNNSpec.{name} = {getattr(self, name)!r}: must be > 0")
        if not 0 < self.stage_attenuation <= 1:
            raise RfspinError(f"CNNSpec.stage_attenuation = {self.stage_attenuation!r}: must be in (0, 1]")
        self.feature_shapes()  # raises if the image is too small for the stack

    def feature_shapes(self) -> list[tuple[int, int, int]]:
        """(C, H, W) after every conv + pooling stage, input first."""
        c, h, w = self.image_shape
        shapes = [(c, h, w)]
        for out_c, k, s, p, pool in self.convs:
            if min(out_c, k, s, pool) < 1 or p < 0:
                raise RfspinError(f"conv {(out_c, k, s, p, pool)}: channels, kernel, stride, pool >= 1, padding >= 0")
            h, w = conv_output_size((h, w), (k, k), (s, s), (p, p))
            h, w = h // pool, w // pool
            if min(h, w) < 1:
                raise RfspinError(f"conv {(out_c, k, s, p, pool)}: pooling leaves an empty feature map")
            c = out_c
            shapes.append((c, h, w))
        return shapes

    @property
    def sizes(self) -> tuple[int, ...]:
        """Units per stage: input pixels, each stage's oscillators, the dense head, the outputs."""
        return (*(c * h * w for c, h, w in self.feature_shapes()), *self.hidden, self.n_classes)

    @property
    def n_flat(self) -> int:
        c, h, w = self.feature_shapes()[-1]
        return c * h * w

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "CNNSpec":
        data = dict(data)
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise RfspinError(f"CNN spec: unknown keys {sorted(unknown)}")
        data["resonator"] = ResonatorParams(**data.get("resonator", {}))
        data["oscillator"] = OscillatorParams(**data.get("oscillator", {}))
        return cls(**data)


#: The lecture's MNIST CNN counts: 8,576 neurons (784 input tones + 7,792 oscillators) and 6.7 M
#: synapses (resonators), neuromorphic-computing lecture, after Leroux et al., Neuromorph. Comput.
#: Eng. 2, 034002 (2022); the layer structure is not given there.
LECTURE_CNN_COUNTS = {"neurons": 8_576, "synapses": 6_700_000}

#: A CNN with the lecture's device counts, counted as rfspin counts (neurons = input tones +
#: oscillators, synapses = resonators on chip, parallel-chain convolutions: one kernel copy per
#: output position): conv 24@3x3 (padding 2, 30x30) -> pool 2 -> 15x15x24 = 5,400 oscillators;
#: conv 48@5x5 (padding 2, 15x15) -> pool 2 -> 7x7x48 = 2,352 oscillators; 10 output chains.
#: Neurons 784 + 7,752 = 8,536 (-0.5 %); synapses 24x9x900 + 48x600x225 + 2,352x10 = 6,697,920
#: (-0.03 %). No dense hidden layer: a 2,352-wide one would add millions of resonators. Tone
#: plans over 20-180 MHz (inside the ROSS2023 tuning band) keep the 600 tones of a conv-2 patch
#: 0.37 half-linewidths apart, as the ``mnist-cnn`` task's 400 tones over 20-120 MHz.
LECTURE_CNN_SPEC = CNNSpec(convs=((24, 3, 1, 2, 2), (48, 5, 1, 2, 2)), hidden=(), encoding="parallel",
                           max_frequency=180e6)


def _as_images(x: Tensor, shape: tuple[int, int, int]) -> Tensor:
    if not isinstance(x, Tensor):
        raise RfspinTypeError(f"CNN inputs: expected a torch.Tensor, got {type(x).__name__}")
    if x.dim() == 2 and x.shape[1] == shape[0] * shape[1] * shape[2]:
        return x.reshape(x.shape[0], *shape)
    if x.dim() == 4 and tuple(x.shape[1:]) == shape:
        return x
    raise RfspinError(f"CNN inputs: shape {tuple(x.shape)}, expected (batch, {shape[0] * shape[1] * shape[2]}) "
                     f"or (batch, {', '.join(map(str, shape))})")


class RFCNN(nn.Module):
    """RF spintronic CNN of a :class:`CNNSpec`; outputs are the output chains' voltages [V]."""

    def __init__(self, spec: CNNSpec = CNNSpec(), *, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.spec = spec
        shapes = spec.feature_shapes()
        convs, neurons = [], []
        for (c_in, h, w), (out_c, k, s, p, pool) in zip(shapes[:-1], spec.convs):
            conv = RFConv2d(c_in, out_c, k, s, p, min_frequency=spec.min_frequency, max_frequency=spec.max_frequency,
                            resonator=spec.resonator, init_detuning=spec.init_detuning, encoding=spec.encoding,
                            input_size=(h, w), generator=generator)
            convs.append(conv)
            neurons.append(RFConvNeurons(out_c, pool, spec.oscillator, min_frequency=spec.min_frequency,
                                         max_frequency=spec.max_frequency, input_size=conv.output_size((h, w))))
        self.convs, self.neurons = nn.ModuleList(convs), nn.ModuleList(neurons)
        head = NetworkSpec(sizes=(spec.n_flat, *spec.hidden, spec.n_classes), plan="geometric",
                           min_frequency=spec.min_frequency, max_frequency=spec.max_frequency,
                           input_power=1.0, readout_scale=spec.readout_scale, init_detuning=spec.init_detuning,
                           resonator=spec.resonator, oscillator=spec.oscillator)
        self.head = RFNetwork(head, generator=generator)
        self.register_buffer("input_power", torch.tensor(spec.input_power))
        self.register_buffer("stage_attenuation", torch.tensor(spec.stage_attenuation))
        self.register_buffer("readout_scale", torch.tensor(spec.readout_scale))

    @property
    def stages(self) -> list[nn.Module]:
        """Every layer in order: conv, its neurons, ..., then the dense head's layers."""
        layers: list[nn.Module] = []
        for conv, neurons in zip(self.convs, self.neurons):
            layers += [conv, neurons]
        return layers + list(self.head.layers)

    @property
    def dtype(self) -> torch.dtype:
        return self.head.dtype

    def features(self, powers: Tensor) -> Tensor:
        """Image powers (B, C, H, W) [W] -> flattened, attenuated powers of the last stage [W]."""
        convs = [m for pair in zip(self.convs, self.neurons) for m in pair]
        return run_layers(convs, powers, stage_attenuation=self.stage_attenuation).flatten(1)

    def input_powers(self, inputs: Tensor) -> Tensor:
        """Normalised images (B, C*H*W) or (B, C, H, W) of any real dtype -> checked powers (B, C, H, W) [W]."""
        x = _as_images(inputs, self.spec.image_shape)
        if x.dtype == torch.bool or x.is_complex():
            raise RfspinTypeError(f"CNN inputs: dtype {x.dtype} is not a real number type")
        x = x.to(device=self.input_power.device, dtype=self.dtype)
        with torch.no_grad():  # one host synchronisation per batch
            if not bool((torch.isfinite(x) & (x >= 0)).all()):
                raise RfspinError("CNN inputs: normalised powers must be finite and >= 0 "
                                  f"(and within the range of {self.dtype})")
        return x * self.input_power.to(x.dtype)

    def forward_powers(self, powers: Tensor, *, hooks: LayerHooks = IDEAL_HOOKS) -> Tensor:
        """Image powers (B, C, H, W) [W] (validated) -> output voltages [V], through :mod:`rfspin.nn.engine`."""
        return run_layers(self.stages, powers, hooks, stage_attenuation=self.stage_attenuation)

    def forward(self, inputs: Tensor) -> Tensor:
        """Normalised images (B, C*H*W) or (B, C, H, W), finite and >= 0 -> output voltages [V]."""
        return self.forward_powers(self.input_powers(inputs))

    def logits(self, inputs: Tensor) -> Tensor:
        return self(inputs) / self.readout_scale

    @torch.no_grad()
    def project_(self) -> None:
        for conv in self.convs:
            conv.project_()
        self.head.project_()

    def layer_counts(self) -> list[LayerCounts]:
        """Per-layer counts for one inference, in order (conv, neurons, ..., head layers)."""
        counts = []
        for conv, neurons in zip(self.convs, self.neurons):
            counts += [conv.layer_counts(), neurons.layer_counts()]
        return counts + [layer.layer_counts() for layer in self.head.layers]

    @property
    def n_synapses(self) -> int:
        """Resonators on chip for the spec's encoding."""
        return sum(c.n_resonators for c in self.layer_counts())

    @property
    def n_neurons(self) -> int:
        """Input tones (one per pixel) plus oscillators, the project's convention."""
        c, h, w = self.spec.image_shape
        return c * h * w + sum(c.n_oscillators for c in self.layer_counts())


class SoftwareCNN(nn.Module):
    """Software baseline of a CNNSpec's shape: Conv2d -> AvgPool -> ReLU ..., then the MLP head."""

    def __init__(self, spec: CNNSpec = CNNSpec(), *, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.spec = spec
        shapes = spec.feature_shapes()
        self.convs = nn.ModuleList()
        for (c_in, _, _), (out_c, k, s, p, _) in zip(shapes[:-1], spec.convs):
            conv = nn.Conv2d(c_in, out_c, k, s, p)
            if generator is not None:  # seeded, torch's default distribution
                bound = 1.0 / (c_in * k * k) ** 0.5
                with torch.no_grad():
                    conv.weight.uniform_(-bound, bound, generator=generator)
                    conv.bias.uniform_(-bound, bound, generator=generator)
            self.convs.append(conv)
        self.head = SoftwareMLP((spec.n_flat, *spec.hidden, spec.n_classes), generator=generator)

    def forward(self, inputs: Tensor) -> Tensor:
        x = _as_images(inputs, self.spec.image_shape).to(self.convs[0].weight.dtype)
        for conv, (_, _, _, _, pool) in zip(self.convs, self.spec.convs):
            x = conv(x)
            x = F.relu(F.avg_pool2d(x, pool) if pool > 1 else x)
        return self.head(x.flatten(1))

    def logits(self, inputs: Tensor) -> Tensor:
        return self(inputs)

    def project_(self) -> None:
        """Nothing to project: software weights are unconstrained (the Trainable protocol)."""

    @property
    def n_synapses(self) -> int:
        return sum(p.numel() for n, p in self.named_parameters() if n.endswith("weight"))

    @property
    def n_neurons(self) -> int:
        c, h, w = self.spec.image_shape
        maps = sum(ci * hi * wi for ci, hi, wi in self.spec.feature_shapes()[1:])
        return c * h * w + maps + sum(self.spec.hidden)
