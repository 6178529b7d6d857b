"""Binary non-volatile synapses: two resonance states per device (vortex-core polarity).

Reversing the core polarity of a vortex MTJ with resonant microwave pulses switches its
gyrotropic resonance between two frequencies (docs/physics.md 1.5; Menshawy et al. 2026: chains of 11
vortex MTJs, 94.9 % on 8x8 digits, 97.3 % on drones). Model: resonator k of chain j has the
states

    f_jk(s) = anchor_k (1 + alpha (center + s half_split)),   s = +-1

(``center`` and ``half_split`` in nominal half linewidths; the default +-1 linewidth puts the
antisymmetric extrema +-K of each device on its anchor tone). The trainable ``detuning`` of
:class:`ResonatorChainLayer` becomes a real-valued latent w with s = sign(w):

- ``"ste"``: straight-through estimator, gradient of clamp(w, -1, 1) (BinaryConnect);
- ``"relaxed"``: s = tanh(w / relaxation) while training, sign(w) in eval mode.

:func:`binarize` swaps a network's chain layers for binary ones in place; :func:`harden` returns a
plain RFNetwork programmed with the chosen states (checkpoints, chip programs, chip instances).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import Tensor

from ..errors import RfspinError
from ..physics.chain_kernel import chain_weights
from ..physics.resonator import lineshape_coefficients
from ..validation import check_number
from .engine import chain_layers
from .network import RFNetwork
from .resonator_layer import ResonatorChainLayer

__all__ = ["BinaryResonatorChainLayer", "BinarySynapses", "binarize", "harden", "BINARY_MODES"]

BINARY_MODES = ("ste", "relaxed")


@dataclass(frozen=True)
class BinarySynapses:
    """How a run binarises its network (see :func:`binarize`).

    mode: "ste" or "relaxed"; half_split, center: the two states at center +- half_split
    [nominal half linewidths]; relaxation: temperature of the relaxed mode's tanh [1].
    """

    mode: str = "ste"
    half_split: float = 1.0
    center: float = 0.0
    relaxation: float = 0.3

    def __post_init__(self) -> None:
        if self.mode not in BINARY_MODES:
            raise RfspinError(f"binary mode {self.mode!r}: choose one of {BINARY_MODES}")
        for name in ("half_split", "relaxation"):
            check_number(getattr(self, name), f"BinarySynapses.{name}", gt=0.0)
        check_number(self.center, "BinarySynapses.center")

    def to_dict(self) -> dict:
        return {"mode": self.mode, "half_split_linewidths": self.half_split, "center_linewidths": self.center,
                "relaxation": self.relaxation}

    @classmethod
    def from_dict(cls, data: dict) -> "BinarySynapses":
        keys = {"mode": "mode", "half_split_linewidths": "half_split", "center_linewidths": "center",
                "relaxation": "relaxation"}
        unknown = set(data) - set(keys)
        if unknown:
            raise RfspinError(f"binary synapses: unknown keys {sorted(unknown)}; allowed {sorted(keys)}")
        return cls(**{keys[k]: v for k, v in data.items()})


def _sign_ste(w: Tensor) -> Tensor:
    hard = torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))
    soft = torch.clamp(w, -1.0, 1.0)
    return soft + (hard - soft).detach()


class BinaryResonatorChainLayer(ResonatorChainLayer):
    """A chain layer whose resonators each take one of two resonance frequencies."""

    synapse_states = 2

    def __init__(self, *args, half_split: float = 1.0, center: float = 0.0, mode: str = "ste",
                 relaxation: float = 0.3, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if mode not in BINARY_MODES:
            raise RfspinError(f"binary mode {mode!r}: choose one of {BINARY_MODES}")
        if not half_split > 0 or not relaxation > 0:
            raise RfspinError(f"half_split = {half_split!r}, relaxation = {relaxation!r}: both must be > 0")
        self.mode, self.half_split = mode, float(half_split)
        self.center, self.relaxation = float(center), float(relaxation)

    def states(self) -> Tensor:
        """s (J, K) in {-1, +1} (relaxed: in (-1, 1) while training)."""
        if self.mode == "relaxed" and self.training:
            return torch.tanh(self.detuning / self.relaxation)
        if self.training:
            return _sign_ste(self.detuning)
        return torch.where(self.detuning >= 0, 1.0, -1.0).to(self.detuning.dtype)

    def state_frequencies(self) -> tuple[Tensor, Tensor]:
        """(f(+1), f(-1)), each (K,) [Hz], inside the tuning band."""
        unit = self.anchor_frequencies * self.resonator.damping
        return tuple(
            torch.clamp(self.anchor_frequencies + unit * (self.center + sign * self.half_split),
                        self.band[0], self.band[1])
            for sign in (1.0, -1.0)
        )

    def resonance_frequencies(self) -> Tensor:
        f_up, f_down = self.state_frequencies()
        return torch.where(self.states() >= 0, f_up, f_down)

    def weights(self, tone_frequencies: Tensor | None = None) -> Tensor:
        """In training, every device is the mix (1+s)/2 G(f(+1)) + (1-s)/2 G(f(-1)).

        Exact for s = +-1, and the kernel is linear in the lineshape coefficients, so dL/ds is the
        finite difference of flipping the device, not the (vanishing at the antisymmetric
        extrema) slope of the lineshape in f_r. Evaluated as chains of 2K virtual resonators.
        """
        if not self.training:
            return super().weights(tone_frequencies)
        s = self.states()
        f_up, f_down = self.state_frequencies()
        v = torch.cat([f_up.expand_as(s), f_down.expand_as(s)], dim=-1)

        def twice(t):
            return torch.cat([t, t], dim=-1)

        delta, a, b = lineshape_coefficients(
            v, twice(self.sensitivity), twice(self.damping), twice(self.antisymmetric_weight),
            twice(self.symmetric_weight), twice(self.signs),
        )
        mix = torch.cat([(1 + s) / 2, (1 - s) / 2], dim=-1)
        a, b = a * mix, b * mix
        u = self.tone_frequencies if tone_frequencies is None else tone_frequencies
        if u.dim() == 2:
            v, delta, a, b = (t.expand(u.shape[0], *t.shape) for t in (v, delta, a, b))
        return chain_weights(u, v, delta, a, b)

    @torch.no_grad()
    def project_(self) -> None:
        """Keep the latent in [-1, 1] (ste) or [-3 relaxation, 3 relaxation] (relaxed)."""
        bound = 1.0 if self.mode == "ste" else 3.0 * self.relaxation
        self.detuning.clamp_(-bound, bound)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, binary={self.mode}, half_split={self.half_split}"


def binarize(model: RFNetwork, *, half_split: float = 1.0, center: float = 0.0, mode: str = "ste",
             relaxation: float = 0.3) -> RFNetwork:
    """Replace every ResonatorChainLayer of ``model`` by a binary one (same devices), in place."""
    chains = {id(layer) for layer in chain_layers(model.layers)}
    for i, layer in enumerate(model.layers):
        if id(layer) in chains and layer.synapse_states is None:  # analog chains only
            binary = BinaryResonatorChainLayer(
                layer.tone_frequencies, layer.n_chains, layer.resonator,
                anchor_frequencies=layer.anchor_frequencies, bias_scale=float(layer.bias_scale),
                half_split=half_split, center=center, mode=mode, relaxation=relaxation,
                dtype=layer.detuning.dtype,
            )
            binary.load_state_dict(layer.state_dict())
            model.layers[i] = binary.to(layer.detuning.device)
    return model


@torch.no_grad()
def harden(model: RFNetwork) -> RFNetwork:
    """A plain RFNetwork with the binary states programmed as resonance frequencies."""
    plain = RFNetwork(model.spec).to(model.input_power.device)
    plain.load_state_dict(copy.deepcopy(model.state_dict()))
    was = model.training
    model.eval()
    try:
        for src, dst in zip(model.resonator_layers, plain.resonator_layers):
            dst.set_resonance_frequencies(src.resonance_frequencies().double())
    finally:
        model.train(was)
    return plain
