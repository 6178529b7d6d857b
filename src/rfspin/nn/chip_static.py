"""The static sample of C chips: typed per-layer draws of the non-idealities fixed at fabrication.

A :class:`StaticSample` holds one entry per network layer (same index as ``network.layers``): a
:class:`ResonatorStatic` for a chain layer, an :class:`OscillatorStatic` for an oscillator layer.
Every field is a (C, ...) tensor with a leading chip dimension, or None for "as designed" (only
effects with a non-zero spread are drawn). Drawn by :func:`sample_static` in layer order, so
(network, non-idealities, C, generator seed) fixes every chip; records are versioned
(:meth:`StaticSample.to_record`), and the flat ``{"LAYER.NAME": tensor}`` dicts of chip files
written before version 2 still load (:meth:`StaticSample.from_record`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import torch
from torch import Tensor, nn

from ..device import random_normal, random_uniform
from ..errors import RfspinError
from ..nonideal.models import NonIdealities
from ..nonideal.perturb import lognormal_factors
from .engine import map_layers

__all__ = ["ResonatorStatic", "OscillatorStatic", "StaticSample", "sample_static", "STATIC_FORMAT"]

STATIC_FORMAT = "rfspin.static_sample/2"


@dataclass(frozen=True, eq=False)
class ResonatorStatic:
    """Static effects on the (C, J, K) resonators of one chain layer of C chips (None: none).

    frequency_factor: 1 + relative programming error of f_r [1];
    frequency_offset: absolute programming error of f_r [Hz];
    damping_factor, sensitivity_factor: device-to-device spread of alpha and K [1];
    antisymmetric_offset, symmetric_offset: added to a_A and a_S [1];
    alive: 1 for working devices, 0 for dead ones; stuck: 1 where f_r stays at the anchor.
    """

    frequency_factor: Tensor | None = None
    frequency_offset: Tensor | None = None
    damping_factor: Tensor | None = None
    sensitivity_factor: Tensor | None = None
    antisymmetric_offset: Tensor | None = None
    symmetric_offset: Tensor | None = None
    alive: Tensor | None = None
    stuck: Tensor | None = None

    kind = "resonators"


@dataclass(frozen=True, eq=False)
class OscillatorStatic:
    """Static effects on the (C, N) oscillators of one layer of C chips (None: none).

    threshold_factor, nonlinear_damping_factor, frequency_factor, power_factor: spreads of I_th,
    Q, f0 and the power prefactor [1]; alive: 1 for working neurons, 0 for dead ones.
    """

    threshold_factor: Tensor | None = None
    nonlinear_damping_factor: Tensor | None = None
    frequency_factor: Tensor | None = None
    power_factor: Tensor | None = None
    alive: Tensor | None = None

    kind = "oscillators"


LayerStatic = ResonatorStatic | OscillatorStatic
_KINDS = {cls.kind: cls for cls in (ResonatorStatic, OscillatorStatic)}


def _tensors(entry: LayerStatic) -> dict[str, Tensor]:
    return {f.name: getattr(entry, f.name) for f in fields(entry) if getattr(entry, f.name) is not None}


def _map(entry: LayerStatic, fn) -> LayerStatic:
    return replace(entry, **{name: fn(t) for name, t in _tensors(entry).items()})


@dataclass(frozen=True, eq=False)
class StaticSample:
    """Static sample of ``n_chips`` chips: ``layers[i]`` belongs to ``network.layers[i]``."""

    n_chips: int
    layers: tuple[LayerStatic, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        if not isinstance(self.n_chips, int) or isinstance(self.n_chips, bool) or self.n_chips < 1:
            raise RfspinError(f"n_chips = {self.n_chips!r}: must be an integer >= 1")
        for index, entry in enumerate(self.layers):
            if not isinstance(entry, (ResonatorStatic, OscillatorStatic)):
                raise RfspinError(f"static sample layer {index}: {type(entry).__name__} is not a layer's static sample")
            for name, t in _tensors(entry).items():
                if not isinstance(t, Tensor) or t.dim() < 2 or t.shape[0] != self.n_chips:
                    shape = tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__
                    raise RfspinError(f"static sample layer {index}.{name}: shape {shape}, "
                                      f"expected ({self.n_chips}, ...)")

    def select(self, chip: int) -> "StaticSample":
        """The sample of chip ``chip`` alone (n_chips = 1)."""
        if not 0 <= chip < self.n_chips:
            raise RfspinError(f"chip {chip!r}: this sample holds chips 0..{self.n_chips - 1}")
        return StaticSample(1, tuple(_map(e, lambda t: t[chip:chip + 1]) for e in self.layers))

    def to(self, device) -> "StaticSample":
        return StaticSample(self.n_chips, tuple(_map(e, lambda t: t.to(device)) for e in self.layers))

    def detached(self) -> "StaticSample":
        """A copy that shares no storage and no autograd history with this one."""
        return StaticSample(self.n_chips, tuple(_map(e, lambda t: t.detach().clone()) for e in self.layers))

    def equal(self, other: "StaticSample") -> bool:
        """Same chips: same layer kinds, same drawn effects, bit-identical tensors."""
        if self.n_chips != other.n_chips or len(self.layers) != len(other.layers):
            return False
        for a, b in zip(self.layers, other.layers):
            ta, tb = _tensors(a), _tensors(b)
            if type(a) is not type(b) or ta.keys() != tb.keys():
                return False
            if not all(torch.equal(ta[k], tb[k].to(ta[k].device)) for k in ta):
                return False
        return True

    def to_record(self) -> dict:
        """Plain, versioned record (tensors, str, int only: loads with ``weights_only=True``)."""
        return {"format": STATIC_FORMAT, "n_chips": self.n_chips,
                "layers": [{"kind": e.kind, **_tensors(e)} for e in self.layers]}

    @classmethod
    def from_record(cls, record: dict, layers: Sequence[nn.Module] | None = None) -> "StaticSample":
        """Inverse of :meth:`to_record`; also reads the flat ``{"LAYER.NAME": tensor}`` dicts of
        version 1, for which the network's ``layers`` tell each layer's kind."""
        if record.get("format") == STATIC_FORMAT:
            entries = []
            for index, item in enumerate(record["layers"]):
                item = dict(item)
                kind = item.pop("kind", None)
                if kind not in _KINDS:
                    raise RfspinError(f"static sample layer {index}: kind {kind!r} is not one of {sorted(_KINDS)}")
                entries.append(_from_fields(_KINDS[kind], item, index))
            return cls(int(record["n_chips"]), tuple(entries))
        if layers is None:
            raise RfspinError("a version-1 static sample ({'LAYER.NAME': tensor}) needs the network's layers")
        return _from_legacy(record, layers)


def _from_fields(cls, values: dict, index: int) -> LayerStatic:
    allowed = {f.name for f in fields(cls)}
    unknown = set(values) - allowed
    if unknown:
        raise RfspinError(f"static sample layer {index}: unknown {cls.kind} effects {sorted(unknown)}")
    return cls(**values)


def _from_legacy(flat: dict, layers: Sequence[nn.Module]) -> StaticSample:
    grouped: dict[int, dict[str, Tensor]] = {}
    for key, value in flat.items():
        index, _, name = str(key).partition(".")
        if not index.isdigit() or not name or int(index) >= len(layers):
            raise RfspinError(f"static sample key {key!r}: expected 'LAYER.NAME' with LAYER < {len(layers)}")
        grouped.setdefault(int(index), {})[name] = value
    entries = map_layers(layers, chains=lambda i, _: _from_fields(ResonatorStatic, grouped.get(i, {}), i),
                         oscillators=lambda i, _: _from_fields(OscillatorStatic, grouped.get(i, {}), i))
    sizes = {t.shape[0] for values in grouped.values() for t in values.values()}
    if len(sizes) > 1:
        raise RfspinError(f"static sample: tensors hold different numbers of chips {sorted(sizes)}")
    return StaticSample(sizes.pop() if sizes else 1, entries)


def _draw_resonators(nonideal: NonIdealities, shape, gen, device) -> ResonatorStatic:
    prog, var, defects = nonideal.programming_error, nonideal.variability, nonideal.defects
    out: dict[str, Tensor] = {}
    if prog.relative_sigma > 0:
        out["frequency_factor"] = 1.0 + prog.relative_sigma * random_normal(shape, gen, device=device)
    if prog.absolute_sigma > 0:
        out["frequency_offset"] = prog.absolute_sigma * random_normal(shape, gen, device=device)
    if var.damping_sigma > 0:
        out["damping_factor"] = lognormal_factors(shape, var.damping_sigma, gen, device=device)
    if var.sensitivity_sigma > 0:
        out["sensitivity_factor"] = lognormal_factors(shape, var.sensitivity_sigma, gen, device=device)
    if var.mix_sigma > 0:
        out["antisymmetric_offset"] = var.mix_sigma * random_normal(shape, gen, device=device)
        out["symmetric_offset"] = var.mix_sigma * random_normal(shape, gen, device=device)
    if defects.dead_fraction > 0:
        out["alive"] = (random_uniform(shape, gen, device=device) >= defects.dead_fraction).float()
    if defects.stuck_fraction > 0:
        out["stuck"] = (random_uniform(shape, gen, device=device) < defects.stuck_fraction).float()
    return ResonatorStatic(**out)


def _draw_oscillators(nonideal: NonIdealities, shape, gen, device) -> OscillatorStatic:
    var, defects = nonideal.variability, nonideal.defects
    out: dict[str, Tensor] = {}
    for key, sigma in (
        ("threshold_factor", var.threshold_current_sigma),
        ("nonlinear_damping_factor", var.nonlinear_damping_sigma),
        ("frequency_factor", var.oscillator_frequency_sigma),
        ("power_factor", var.oscillator_power_sigma),
    ):
        if sigma > 0:
            out[key] = lognormal_factors(shape, sigma, gen, device=device)
    if defects.dead_fraction > 0:
        out["alive"] = (random_uniform(shape, gen, device=device) >= defects.dead_fraction).float()
    return OscillatorStatic(**out)


def sample_static(model: nn.Module, nonideal: NonIdealities, n_chips: int,
                  generator: torch.Generator | None) -> StaticSample:
    """Static non-idealities of ``n_chips`` chips of the dense network ``model`` (an RFNetwork).

    Drawn from ``generator`` (on its device) in layer order; returned on the model's device.
    """
    if isinstance(n_chips, bool) or not isinstance(n_chips, int) or n_chips < 1:
        raise RfspinError(f"n_chips = {n_chips!r}: must be an integer >= 1")
    device = model.input_power.device
    entries = map_layers(
        model.layers,
        chains=lambda _, layer: _draw_resonators(nonideal, (n_chips, *layer.detuning.shape), generator, device),
        oscillators=lambda _, layer: _draw_oscillators(nonideal, (n_chips, layer.n_neurons), generator, device),
    )
    return StaticSample(n_chips, entries)
