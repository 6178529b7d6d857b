"""RF spintronic convolution: one resonator chain per output channel, shared over positions.

Leroux et al., Neuromorph. Comput. Eng. 2, 034002 (2022). A patch of the input (C_in x kh x kw
powers) is sent as RF powers on C_in*kh*kw tones (tone i carries patch element
i = c*kh*kw + r*kw + s, the order of ``nn.Conv2d`` weights); output channel o is a chain of
C_in*kh*kw resonators anchored on those tones (head-to-tail signs, exact crosstalk), so

    V_o(y, x) = sum_i P_i(y, x) W_oi + b_o,    W_oi = sum_k s_k G(f_i; f_ok)     [V]

with W from :class:`rfspin.nn.resonator_layer.ResonatorChainLayer` (same parametrisation:
detuning in linewidths around the anchors, clamped to the tuning band, bias in bias_scale
units). The weights do not depend on the position or the sample: they are built once per
forward pass and applied to every patch with ``F.conv2d``.

Two encodings compute the same function (``encoding``):

- ``"time-sequential"``: one chain per output channel; the patches are presented one after the
  other on the RF line (one time slot per output position). Devices: C_out chains; latency:
  H_out*W_out evaluations per inference.
- ``"parallel"``: one chain per output channel and output position, every copy programmed with
  the same resonance frequencies (weight sharing by identical programming), each fed its own
  patch on its own line. Devices: C_out*H_out*W_out chains; one evaluation per inference.

``layer_counts()`` reports each encoding's devices and evaluations.

Neurons and pooling (:class:`RFConvNeurons`): average pooling is done on the chain voltages
before the oscillators, physically by connecting the chains of the pooled positions in series
(parallel encoding: voltages add, the 1/(pool*pool) is absorbed by the oscillator's
transconductance) or by integrating one chain's voltage over the pooled time slots
(time-sequential encoding). Max pooling is not a resonator operation and is not offered. One
spin-torque oscillator per (channel, pooled position) then turns the voltage into RF power
(:class:`rfspin.nn.oscillator_layer.OscillatorLayer` physics, applied per position); the next
layer reads these powers as the tones of its patches.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import RfspinError
from ..physics.frequency_plan import frequency_plan
from ..physics.params import (
    ROSS2023_OSCILLATOR,
    ROSS2023_RESONATOR,
    OscillatorParams,
    ResonatorParams,
)
from .counts import LayerCounts
from .oscillator_layer import OscillatorLayer
from .resonator_layer import ResonatorChainLayer
from .tones import Tones

__all__ = ["RFConv2d", "RFConvNeurons", "CONV_ENCODINGS", "conv_output_size"]

CONV_ENCODINGS = ("time-sequential", "parallel")


def _pair(value, name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) for v in pair):
        raise RfspinError(f"{name} = {value!r}: must be an int or a pair of ints")
    return pair  # type: ignore[return-value]


def conv_output_size(size: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
                     padding: tuple[int, int]) -> tuple[int, int]:
    """(H_out, W_out) of a convolution, as ``nn.Conv2d`` computes it; ValueError if empty."""
    out = tuple((s + 2 * p - k) // st + 1 for s, k, st, p in zip(size, kernel, stride, padding))
    if min(out) < 1:
        raise RfspinError(f"input size {tuple(size)} with kernel {kernel}, padding {padding}: output would be empty")
    return out  # type: ignore[return-value]


class RFConv2d(nn.Module):
    """Input powers (B, C_in, H, W) [W] -> chain voltages (B, C_out, H_out, W_out) [V].

    Args follow ``nn.Conv2d`` (``in_channels``, ``out_channels``, ``kernel_size``, ``stride``,
    ``padding``; zero padding = no tone) plus the device side:
        tone_frequencies: (C_in*kh*kw,) frequencies of the patch tones [Hz]; default a
            ``plan`` over [min_frequency, max_frequency].
        resonator, init_detuning, bias_scale, generator, dtype, kernel: as ``ResonatorChainLayer``.
        encoding: "time-sequential" or "parallel" (same function, different device counts).
        input_size: (H, W) of the input, needed by ``layer_counts`` (positions).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        *,
        tone_frequencies: Tensor | None = None,
        plan: str = "geometric",
        min_frequency: float = 20e6,
        max_frequency: float = 120e6,
        resonator: ResonatorParams = ROSS2023_RESONATOR,
        init_detuning: float = 1.0,
        bias_scale: float = 1e-3,
        encoding: str = "time-sequential",
        input_size: tuple[int, int] | None = None,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
        kernel: str = "auto",
    ) -> None:
        super().__init__()
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(v, int) or v < 1:
                raise RfspinError(f"{name} = {v!r}: must be an integer >= 1")
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(stride, "stride")
        self.padding = _pair(padding, "padding")
        if min(self.kernel_size) < 1 or min(self.stride) < 1 or min(self.padding) < 0:
            raise RfspinError(
                f"kernel_size {self.kernel_size}, stride {self.stride}, padding {self.padding}: "
                "kernel and stride must be >= 1, padding >= 0"
            )
        if encoding not in CONV_ENCODINGS:
            raise RfspinError(f"encoding = {encoding!r}: must be one of {CONV_ENCODINGS}")
        self.in_channels, self.out_channels, self.encoding = in_channels, out_channels, encoding
        self.input_size = None if input_size is None else _pair(input_size, "input_size")
        n_tones = in_channels * self.kernel_size[0] * self.kernel_size[1]
        tones = (frequency_plan(plan, n_tones, min_frequency, max_frequency) if tone_frequencies is None
                 else torch.as_tensor(tone_frequencies, dtype=torch.float64).flatten())
        if tones.numel() != n_tones:
            raise RfspinError(f"tone_frequencies: {tones.numel()} given, the patch has {n_tones} elements")
        # The chains of the kernel: the dense layer's physics and parametrisation, reused as is.
        self.chains = ResonatorChainLayer(
            tones, out_channels, resonator, init_detuning=init_detuning, bias_scale=bias_scale,
            generator=generator, dtype=dtype, kernel=kernel,
        )

    @property
    def n_resonators(self) -> int:
        """Resonators of one kernel copy (C_out chains x C_in*kh*kw); see ``layer_counts``."""
        return self.chains.n_resonators

    def kernel_weights(self) -> Tensor:
        """W (C_out, C_in, kh, kw) [V/W], exact crosstalk, built once per call."""
        return self.chains.weights().view(self.out_channels, self.in_channels, *self.kernel_size)

    def bias_voltage(self) -> Tensor:
        return self.chains.bias_voltage()

    def output_size(self, input_size: tuple[int, int]) -> tuple[int, int]:
        return conv_output_size(input_size, self.kernel_size, self.stride, self.padding)

    def forward(self, powers: Tensor, *, validate: bool = True) -> Tensor:
        """Input powers (B, C_in, H, W) [W] (any real dtype, converted) -> chain voltages [V].

        ``validate``: check the powers are finite and >= 0 (one host synchronisation).
        """
        if not isinstance(powers, Tensor) or powers.dim() != 4 or powers.shape[1] != self.in_channels:
            shape = tuple(powers.shape) if isinstance(powers, Tensor) else type(powers).__name__
            raise RfspinError(f"RFConv2d input powers: shape {shape}, expected (batch, {self.in_channels}, H, W)")
        self.output_size(tuple(powers.shape[-2:]))  # clear error on too-small inputs
        powers = powers.to(self.chains.detuning.dtype)
        if validate:
            with torch.no_grad():
                if not bool((torch.isfinite(powers) & (powers >= 0)).all()):
                    raise RfspinError("RFConv2d input powers: RF powers must be finite and >= 0 W")
        return self.convolve(powers, self.chains.weights())

    def convolve(self, powers: Tensor, chain_weights: Tensor) -> Tensor:
        """Unchecked: chain voltages (B, C_out, H_out, W_out) [V] for the chains' weights (C_out, C_in*kh*kw)."""
        kernel = chain_weights.view(self.out_channels, self.in_channels, *self.kernel_size)
        return F.conv2d(powers, kernel, self.bias_voltage(), self.stride, self.padding)

    @torch.no_grad()
    def project_(self) -> None:
        self.chains.project_()

    def layer_counts(self) -> LayerCounts:
        """Devices and operations per inference, for ``encoding`` (needs ``input_size``)."""
        if self.input_size is None:
            raise RfspinError("RFConv2d.layer_counts: set input_size=(H, W) to count output positions")
        h, w = self.output_size(self.input_size)
        positions = h * w
        per_copy = self.chains.n_resonators
        copies, evaluations = (1, positions) if self.encoding == "time-sequential" else (positions, 1)
        return LayerCounts(
            kind="rf_conv",
            n_resonators=per_copy * copies,
            n_chains=self.out_channels * copies,
            n_inputs=self.chains.n_inputs,
            evaluations=evaluations,
            synaptic_ops=per_copy * positions,
            macs=per_copy * positions,
        )

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, encoding={self.encoding!r}")


class RFConvNeurons(nn.Module):
    """Average pooling of chain voltages (series chains), then one oscillator per channel/position.

    Voltages (B, C, H, W) [V] -> emitted powers (B, C, H/pool, W/pool) [W]. The oscillator
    physics is ``OscillatorLayer``'s, with per-channel device parameters; its frequencies are the
    channels' nominal frequencies (the next layer's tone plan assigns each patch element its
    tone). A non-zero nonlinear frequency shift would make tone frequencies depend on the input,
    which the shared-kernel convolution does not model: rejected.
    """

    def __init__(
        self,
        channels: int,
        pool: int = 1,
        oscillator: OscillatorParams = ROSS2023_OSCILLATOR,
        *,
        min_frequency: float = 20e6,
        max_frequency: float = 120e6,
        input_size: tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(pool, int) or pool < 1:
            raise RfspinError(f"pool = {pool!r}: must be an integer >= 1")
        if oscillator.nonlinear_frequency_shift != 0:
            raise RfspinError(
                f"nonlinear_frequency_shift = {oscillator.nonlinear_frequency_shift!r} Hz: convolutional "
                "layers need input-independent tone frequencies (use 0)"
            )
        self.pool = pool
        self.input_size = None if input_size is None else _pair(input_size, "input_size")
        self.oscillators = OscillatorLayer(frequency_plan("geometric", channels, min_frequency, max_frequency),
                                           oscillator)

    @property
    def channels(self) -> int:
        return self.oscillators.n_neurons

    def output_size(self, input_size: tuple[int, int]) -> tuple[int, int]:
        return (input_size[0] // self.pool, input_size[1] // self.pool)

    @property
    def n_neurons(self) -> int:
        """Oscillators: one per channel and pooled position (needs ``input_size``)."""
        if self.input_size is None:
            raise RfspinError("RFConvNeurons.n_neurons: set input_size=(H, W)")
        h, w = self.output_size(self.input_size)
        return self.channels * h * w

    def forward(self, voltage: Tensor, *, emit: Callable[[Tensor], Tones] | None = None) -> Tensor:
        """Chain voltages (B, C, H, W) [V] -> emitted powers (B, C, H/pool, W/pool) [W].

        ``emit``: what turns (positions, C) voltages into Tones (default: the oscillators' physics;
        :mod:`rfspin.nn.engine` passes its hooks here).
        """
        if not isinstance(voltage, Tensor) or voltage.dim() != 4 or voltage.shape[1] != self.channels:
            shape = tuple(voltage.shape) if isinstance(voltage, Tensor) else type(voltage).__name__
            raise RfspinError(f"oscillator input: shape {shape}, expected (batch, {self.channels}, H, W)")
        if self.pool > 1:
            voltage = F.avg_pool2d(voltage, self.pool)
        b, c, h, w = voltage.shape
        flat = voltage.permute(0, 2, 3, 1).reshape(-1, c)  # one row per position
        powers = (emit or self.oscillators.emit)(flat.to(self.oscillators.frequencies.dtype)).powers
        return powers.reshape(b, h, w, c).permute(0, 3, 1, 2)

    def layer_counts(self) -> LayerCounts:
        n = self.n_neurons
        return LayerCounts(kind="oscillators", n_oscillators=n, n_inputs=n)

    def extra_repr(self) -> str:
        return f"channels={self.channels}, pool={self.pool}"
