"""Chip-in-the-loop (physics-aware) training: forward on the hardware, backward through the twin.

The loss is computed from voltages *measured* on a backend (:mod:`rfspin.hardware`); its gradient
with respect to the programmed parameters (resonance frequencies, biases) is taken through the
simulated twin evaluated at the same inputs (Wright et al., Nature 601, 549 (2022), "physics-aware
training"). When the backend also returns the hidden chain voltages, the twin is evaluated layer by
layer from the *measured* voltages, so each layer's derivative is taken at the chip's real
operating point.

The twin can be re-calibrated from the backend's responses: :class:`TwinCorrection` holds
per-device factors (resonance frequency, sensitivity, damping; oscillator threshold and power)
fitted so that each twin layer, fed the measured input of that layer, reproduces the measured
output of that layer (least squares, Adam). This is system identification of the chip's static
deviations from measured voltages only.

Usage::

    loop = ChipInTheLoop(twin, backend, recalibrate=True)
    loop.calibrate_twin(data.x_train)             # optional start: identify the chip
    train(loop, data, TrainConfig(epochs=30, learning_rate=0.02))
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import RfspinTypeError
from ..hardware.protocol import HardwareBackend, Measurement, check_measurement
from ..nn.chip import ChipHooks, sample_static
from ..nn.chip_static import OscillatorStatic, ResonatorStatic, StaticSample
from ..nn.engine import ChainSite, map_layers, run_layers
from ..nn.network import RFNetwork
from ..nonideal.models import NonIdealities
from ..program.chip_program import export_program

__all__ = ["ChipInTheLoop", "TwinCorrection", "TwinHooks", "HardwareForward", "twin_forward"]

_IDEAL = NonIdealities()


class _ResonatorCorrection(nn.Module):
    """Log-factors of one chain layer's f_r (in linewidths), K and damping, (1, J, K) each."""

    def __init__(self, shape, linewidth: float) -> None:
        super().__init__()
        self.linewidth = linewidth
        self.log_frequency = nn.Parameter(torch.zeros(1, *shape))
        self.log_sensitivity = nn.Parameter(torch.zeros(1, *shape))
        self.log_damping = nn.Parameter(torch.zeros(1, *shape))

    def static(self) -> ResonatorStatic:
        return ResonatorStatic(frequency_factor=torch.exp(self.log_frequency * self.linewidth),
                               sensitivity_factor=torch.exp(self.log_sensitivity),
                               damping_factor=torch.exp(self.log_damping))


class _OscillatorCorrection(nn.Module):
    """Log-factors of one oscillator layer's I_th and power, (1, N) each."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.log_threshold = nn.Parameter(torch.zeros(1, n))
        self.log_power = nn.Parameter(torch.zeros(1, n))

    def static(self) -> OscillatorStatic:
        return OscillatorStatic(threshold_factor=torch.exp(self.log_threshold), power_factor=torch.exp(self.log_power))


class TwinCorrection(nn.Module):
    """Per-device multiplicative corrections of the twin, as log-factors (0 = as designed).

    ``static()`` returns them as a one-chip :class:`~rfspin.nn.chip_static.StaticSample`, so the
    twin is evaluated by the same engine as a chip. The frequency log-factor is stored in units
    of the nominal damping (one unit = one linewidth), which conditions the fit like the
    network's own detuning parametrisation.
    """

    def __init__(self, network: RFNetwork) -> None:
        super().__init__()
        device = network.input_power.device
        self.layers = nn.ModuleList(map_layers(
            network.layers,
            chains=lambda _, layer: _ResonatorCorrection(layer.detuning.shape, layer.resonator.damping),
            oscillators=lambda _, layer: _OscillatorCorrection(layer.n_neurons),
        )).to(device)

    def static(self) -> StaticSample:
        return StaticSample(1, tuple(layer.static() for layer in self.layers))


class TwinHooks(ChipHooks):
    """The twin of chip-in-the-loop: ideal readout, an optional static correction, and (with
    ``measured_hidden``) the measured hidden voltages driving each next layer: value measured,
    gradient the twin's, so each layer is linearised at the chip's operating point. Keeps the
    twin's own hidden voltages in ``hidden_voltages``."""

    def __init__(self, static: StaticSample, measured_hidden: list[Tensor] | None = None) -> None:
        super().__init__(static, _IDEAL, None, record_hidden=True)
        self.measured_hidden = measured_hidden

    def feed_forward(self, site: ChainSite, voltages: Tensor) -> Tensor:
        if site.is_output or self.measured_hidden is None:
            return voltages
        measured = self.measured_hidden[len(self.hidden_voltages) - 1].to(voltages)
        return voltages + (measured.unsqueeze(0) - voltages).detach()


def _layer_walk(network: RFNetwork, static: StaticSample | None, inputs: Tensor,
                measured_hidden: list[Tensor] | None):
    """Twin outputs (B, n_out) and hidden chain voltages (B, J_l), layer by layer."""
    static = static if static is not None else StaticSample(1, map_layers(
        network.layers, chains=lambda *_: ResonatorStatic(), oscillators=lambda *_: OscillatorStatic()))
    hooks = TwinHooks(static, measured_hidden)
    powers = inputs.to(device=network.input_power.device, dtype=network.dtype) * network.input_power
    out = run_layers(network.layers, powers.unsqueeze(0), hooks)
    return out[0], [v[0] for v in hooks.hidden_voltages]


def twin_forward(network: RFNetwork, inputs: Tensor, correction: TwinCorrection | None = None,
                 measured_hidden: list[Tensor] | None = None) -> Tensor:
    """Output voltages (B, n_out) [V] of the (corrected) twin; differentiable in its parameters."""
    return _layer_walk(network, None if correction is None else correction.static(), inputs, measured_hidden)[0]


class HardwareForward(torch.autograd.Function):
    """Value: the backend's measurement. Gradient: the twin's, at the measured operating point.

    ``apply(loop, inputs, *params)`` with ``params`` the twin's trainable tensors.
    """

    @staticmethod
    def forward(ctx, loop: "ChipInTheLoop", inputs: Tensor, *params: Tensor) -> Tensor:
        measurement = loop.measure(inputs)
        ctx.loop, ctx.params, ctx.measurement = loop, params, measurement
        ctx.save_for_backward(inputs)
        return measurement.outputs_v.to(params[0].dtype if params else torch.float32)

    @staticmethod
    def backward(ctx, grad_output: Tensor):
        (inputs,) = ctx.saved_tensors
        loop, params, m = ctx.loop, ctx.params, ctx.measurement
        with torch.enable_grad():
            static = loop.backward_static()
            out = _layer_walk(loop.network, static, inputs, m.intermediates if loop.use_intermediates else None)[0]
            grads = torch.autograd.grad(out, params, grad_output, allow_unused=True)
        return (None, None, *grads)


class ChipInTheLoop(nn.Module):
    """A trainable view of a chip: parameters = the twin's, outputs = the backend's [V].

    Works with :func:`rfspin.train.trainer.train` (checkpoints hold ``loop.network``, the twin
    with the trained program; resuming is not supported). ``recalibrate``: refit the twin
    correction on every training batch's measurement (``recalibration_steps`` Adam steps) before the gradient is taken.
    ``gradient_nonideal``: the backward pass goes through a twin with a fresh random sample of
    these (expected) non-idealities every step, an unbiased estimate of the gradient averaged
    over the chips the fab could have made (for deviations known only by their spread).
    """

    def __init__(self, twin: RFNetwork, backend: HardwareBackend, *, recalibrate: bool = False,
                 use_intermediates: bool = True, recalibration_steps: int = 5,
                 recalibration_lr: float = 0.05, gradient_nonideal: NonIdealities | None = None,
                 seed: int = 0) -> None:
        super().__init__()
        if not isinstance(twin, RFNetwork):
            raise RfspinTypeError(f"chip-in-the-loop needs an RFNetwork twin, got {type(twin).__name__}")
        if not isinstance(backend, HardwareBackend):
            raise RfspinTypeError(f"backend {backend!r} has no measure(program, inputs) method")
        self.network = twin
        self.backend = backend
        self.recalibrate = recalibrate
        self.use_intermediates = use_intermediates
        self.recalibration_steps = recalibration_steps
        self.correction = TwinCorrection(twin)
        self._correction_opt = torch.optim.Adam(self.correction.parameters(), lr=recalibration_lr)
        self.calibration_history: list[float] = []
        self.gradient_nonideal = gradient_nonideal
        self._gradient_generator = torch.Generator().manual_seed(seed)

    def backward_static(self) -> StaticSample | None:
        """The static deviations of the twin used in the backward pass (None: as designed)."""
        if self.gradient_nonideal is not None:
            return sample_static(self.network, self.gradient_nonideal, 1, self._gradient_generator)
        return self.correction.static() if self.recalibrate else None

    def parameters(self, recurse: bool = True):  # the optimizer trains the program, not the correction
        return self.network.parameters(recurse)

    @property
    def readout_scale(self) -> Tensor:
        return self.network.readout_scale

    @torch.no_grad()
    def measure(self, inputs: Tensor) -> Measurement:
        """The backend's measurement, checked, on the twin's device."""
        program = export_program(self.network)
        m = check_measurement(self.backend.measure(program, inputs.detach(), intermediates=self.use_intermediates),
                              program, inputs.shape[0], repr(self.backend))
        device = self.network.input_power.device
        hidden = None if m.intermediates is None else [v.to(device) for v in m.intermediates]
        m = Measurement(m.outputs_v.to(device), hidden)
        if self.recalibrate and self.training:
            self._fit_correction(inputs, m, self.recalibration_steps)
        return m

    def _fit_correction(self, inputs: Tensor, m: Measurement, steps: int) -> float:
        """Adam steps on the correction: every twin layer, fed measured inputs, vs measured outputs."""
        targets = [*(m.intermediates or []), m.outputs_v]
        scale = [t.pow(2).mean().clamp_min(1e-24) for t in targets]
        loss_value = float("nan")
        with torch.enable_grad():
            for _ in range(steps):
                out, hidden = _layer_walk(self.network, self.correction.static(), inputs.detach(), m.intermediates)
                preds = [*hidden, out] if m.intermediates is not None else [out]
                targ = targets if m.intermediates is not None else [m.outputs_v]
                loss = sum(F.mse_loss(p, t.to(p.dtype)) / s for p, t, s in zip(preds, targ, scale))
                params = list(self.correction.parameters())
                for p, g in zip(params, torch.autograd.grad(loss, params)):  # program grads untouched
                    p.grad = g
                self._correction_opt.step()
                loss_value = float(loss.detach())
        self.calibration_history.append(loss_value)
        return loss_value

    def calibrate_twin(self, inputs: Tensor, steps: int = 200, batch_size: int = 256) -> float:
        """Identify the chip: measure ``inputs`` once, then fit the correction (returns last loss)."""
        was = self.recalibrate
        self.recalibrate = False
        try:
            chunks = [(inputs[i:i + batch_size], self.measure(inputs[i:i + batch_size]))
                      for i in range(0, len(inputs), batch_size)]
        finally:
            self.recalibrate = was
        loss = float("nan")
        for step in range(steps):
            x, m = chunks[step % len(chunks)]
            loss = self._fit_correction(x, m, 1)
        return loss

    def forward(self, inputs: Tensor) -> Tensor:
        """Measured output voltages (B, n_out) [V]; differentiable through the twin when training."""
        if not torch.is_grad_enabled():
            return self.measure(inputs).outputs_v
        params = [p for p in self.network.parameters() if p.requires_grad]
        return HardwareForward.apply(self, inputs, *params)

    def logits(self, inputs: Tensor) -> Tensor:
        return self(inputs) / self.network.readout_scale

    @torch.no_grad()
    def project_(self) -> None:
        self.network.project_()
