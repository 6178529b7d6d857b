"""Hardware-aware training: train through freshly sampled non-ideal chips.

:class:`HardwareAwareNetwork` wraps an RFNetwork for :func:`rfspin.train.trainer.train`. In
training mode its logits come from :func:`rfspin.nn.chip.chip_forward` through one chip whose
static non-idealities are redrawn after every optimizer step (``step_hook``) and whose noise is
redrawn every forward; in eval mode it is the ideal network (the reported accuracies are the
ideal twin's). Two variants:

- ``"noisy"`` (default): forward and gradient through the non-ideal chip (straight-through for
  the quantisers), i.e. minimise the expected loss over chips.
- ``"twin"`` (the authors' variant): the loss is evaluated on the non-ideal chip's outputs, the
  gradient is taken through the ideal twin (out = ideal + (chip - ideal).detach()).

Checkpoints hold the wrapped network only (the wrapper has no state of its own). The chip
generator (on the network's device) is not checkpointed: a resumed hardware-aware run draws
different chips.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor, nn

from ..device import make_generator
from ..errors import RfspinError, RfspinTypeError
from ..nn.chip import chip_forward, sample_static
from ..nn.chip_static import StaticSample
from ..nn.network import RFNetwork
from ..nonideal.config import describe, from_description
from ..nonideal.models import NonIdealities

__all__ = ["HardwareAwareConfig", "HardwareAwareNetwork", "HW_VARIANTS"]

HW_VARIANTS = ("noisy", "twin")


@dataclass(frozen=True)
class HardwareAwareConfig:
    """nonideal: what to inject; variant: "noisy" or "twin"; seed: of the chip draws."""

    nonideal: NonIdealities
    variant: str = "noisy"
    seed: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.nonideal, NonIdealities):
            raise RfspinTypeError(f"HardwareAwareConfig.nonideal: expected NonIdealities, "
                                  f"got {type(self.nonideal).__name__}")
        if self.variant not in HW_VARIANTS:
            raise RfspinError(f"hardware-aware variant {self.variant!r}: choose one of {HW_VARIANTS}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise RfspinTypeError(f"HardwareAwareConfig.seed = {self.seed!r}: must be an integer")

    def to_dict(self) -> dict:
        return {"variant": self.variant, "seed": self.seed, "nonideal": describe(self.nonideal)}

    @classmethod
    def from_dict(cls, data: dict) -> "HardwareAwareConfig":
        unknown = set(data) - {"variant", "seed", "nonideal"}
        if unknown:
            raise RfspinError(f"hardware-aware config: unknown keys {sorted(unknown)}")
        return cls(from_description(data["nonideal"]), data.get("variant", "noisy"), data.get("seed", 0))


class HardwareAwareNetwork(nn.Module):
    """``network`` seen through a new random chip at every training step."""

    def __init__(self, network: RFNetwork, config: HardwareAwareConfig) -> None:
        super().__init__()
        if not isinstance(network, RFNetwork):
            raise RfspinTypeError(f"hardware-aware training needs an RFNetwork, got {type(network).__name__}")
        self.network = network
        self.config = config
        self.generator = make_generator(network.input_power.device, config.seed)
        self.static: StaticSample = sample_static(network, config.nonideal, 1, self.generator)

    def resample(self) -> None:
        """Draw the static non-idealities of a new chip."""
        self.static = sample_static(self.network, self.config.nonideal, 1, self.generator)

    def step_hook(self, _model: nn.Module | None = None) -> None:
        """For ``train(step_hook=...)``: a new chip after every optimizer step."""
        self.resample()

    def forward(self, inputs: Tensor) -> Tensor:
        if not self.training:
            return self.network(inputs)
        net = self.network
        x = net.normalised_inputs(inputs)  # checked once per batch
        out = chip_forward(self.network, self.static, self.config.nonideal, x,
                           generator=self.generator, twin_gradient=self.config.variant == "twin")
        return out[0]

    def logits(self, inputs: Tensor) -> Tensor:
        return self(inputs) / self.network.readout_scale

    def project_(self) -> None:
        self.network.project_()

    # The checkpoint holds the plain network, so a run trained this way loads as an RFNetwork.
    def state_dict(self, *args, **kwargs):
        return self.network.state_dict(*args, **kwargs)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        return self.network.load_state_dict(state_dict, strict=strict, assign=assign)
