"""Frequency-multiplexed layer: chains of spin-diode resonators on one RF line.

Output j is a chain of K resonators in series, head-to-tail; every resonator rectifies every tone
(exact crosstalk), so V_j = sum_i P_i W_ji + b_j with W_ji = sum_k s_k G(f_i; f_jk)
(:mod:`rfspin.physics.resonator`).

Parametrisation (well-conditioned, docs/physics.md 1.4): resonator k of every chain is anchored at
``anchor_frequencies[k]`` (by default the k-th input tone: rough tuning = connectivity) and the
trainable ``detuning`` is its offset in nominal half linewidths,

    f_jk = clamp(anchor_k * (1 + alpha * detuning_jk), band)   [Hz]

so an optimizer step of 1 moves a resonator by about one linewidth at any frequency. The bias is
trained as ``bias_raw`` with ``bias_voltage = bias_raw * bias_scale`` [V].
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..errors import RfspinError
from ..physics.chain_kernel import chain_weights, check_kernel_method
from ..physics.chain_kernel_fast import FarFieldPlan, far_field_plan
from ..physics.params import ROSS2023_RESONATOR, ResonatorParams
from ..physics.resonator import (
    coefficients_from_factors,
    head_to_tail_signs,
    lineshape_factors,
    rectified_voltage,
    tuned_coefficients,
    tuned_frequency,
)
from .counts import LayerCounts
from .tones import Tones, as_powers

__all__ = ["ResonatorChainLayer", "apply_chains", "set_kernel_method"]


def set_kernel_method(module: nn.Module, method: str) -> int:
    """Set the chain-weight kernel (``"auto"`` | ``"fast"`` | ``"exact"``) of every chain layer in
    ``module`` (networks, CNNs, chips' twins); returns how many layers were set."""
    check_kernel_method(method)
    layers = [m for m in module.modules() if callable(getattr(m, "kernel_options", None))]
    for layer in layers:
        layer.kernel = method
    return len(layers)


def apply_chains(powers: Tensor, weights: Tensor, bias: Tensor) -> Tensor:
    """Chain voltages V = P W^T + b [V] for tone powers P [W] and weights W [V/W].

    ``powers`` (B, I) with ``weights`` (J, I), or (B, J, I) for per-sample tone frequencies; any
    leading dimensions (e.g. chips: (C, B, I) with (C, J, I)) broadcast as in ``torch.matmul``.
    """
    if weights.dim() == 3 and powers.dim() == 2:  # one weight matrix per sample
        return torch.einsum("bi,bji->bj", powers, weights) + bias
    return rectified_voltage(powers, weights, bias)


def _nudge_to_exact(param: Tensor, target: Tensor, value, max_steps: int = 8) -> None:
    """Move ``param`` by single ulps until ``value()`` reproduces ``target`` bit for bit.

    Makes program export -> import round trips exact in the layer's floating-point type.
    """
    for _ in range(max_steps):
        diff = value() - target
        wrong = diff != 0
        if not bool(wrong.any()):
            return
        direction = torch.where(diff > 0, torch.full_like(param, -math.inf), torch.full_like(param, math.inf))
        param.copy_(torch.where(wrong, torch.nextafter(param, direction), param))


class ResonatorChainLayer(nn.Module):
    """RF tones (I) -> DC chain voltages (J).

    Args:
        tone_frequencies: (I,) frequencies of the input tones [Hz].
        n_chains: J, number of output chains.
        resonator: device parameters (preset ``ROSS2023_RESONATOR``).
        anchor_frequencies: (K,) rough tuning of each chain position [Hz]; default the tones.
        init_detuning: half-width of the uniform initial detuning, in linewidths.
        bias_scale: unit of the trainable bias [V].
        generator: torch.Generator for the initialisation.
        kernel: how W is computed: ``"auto"`` (default: the fast kernel wherever its proven error
            bound, max|W - W_exact| <= 5e-6 max|W|, holds and it is faster), ``"fast"`` or
            ``"exact"`` (:func:`rfspin.physics.chain_kernel.chain_weights`).

    ``synapse_states``: None for analog devices (any f_r in the band); a subclass with a finite
    set of resonance states per device says how many (binary synapses: 2).
    """

    synapse_states: int | None = None

    def __init__(
        self,
        tone_frequencies: Tensor,
        n_chains: int,
        resonator: ResonatorParams = ROSS2023_RESONATOR,
        *,
        anchor_frequencies: Tensor | None = None,
        init_detuning: float = 1.0,
        bias_scale: float = 1e-3,
        generator: torch.Generator | None = None,
        dtype: torch.dtype = torch.float32,
        kernel: str = "auto",
    ) -> None:
        super().__init__()
        self.kernel = check_kernel_method(kernel)
        tones = torch.as_tensor(tone_frequencies, dtype=torch.float64).flatten()
        if n_chains < 1:
            raise RfspinError(f"n_chains = {n_chains!r}: must be >= 1")
        if tones.numel() < 1 or not bool(torch.isfinite(tones).all()) or bool((tones <= 0).any()):
            raise RfspinError("tone_frequencies: must be a non-empty set of finite frequencies > 0 Hz")
        anchors = tones if anchor_frequencies is None else torch.as_tensor(anchor_frequencies, dtype=torch.float64)
        lo, hi = resonator.min_resonance_frequency, resonator.max_resonance_frequency
        if bool((anchors < lo).any()) or bool((anchors > hi).any()):
            raise RfspinError(
                f"anchor frequencies span [{anchors.min().item():.6g}, {anchors.max().item():.6g}] Hz, "
                f"outside the resonator tuning band [{lo:.6g}, {hi:.6g}] Hz"
            )
        self.resonator = resonator
        n_res = anchors.numel()
        shape = (n_chains, n_res)
        self.register_buffer("tone_frequencies", tones.to(dtype))
        self.register_buffer("anchor_frequencies", anchors.to(dtype))
        self.register_buffer("signs", head_to_tail_signs(n_res, dtype=dtype))
        self.register_buffer("band", torch.tensor([lo, hi], dtype=dtype))
        self.register_buffer("bias_scale", torch.tensor(bias_scale, dtype=dtype))
        # Per-device parameters, full (J, K) so chip instances and calibrations can set each one.
        for name, value in (
            ("sensitivity", resonator.sensitivity),
            ("damping", resonator.damping),
            ("antisymmetric_weight", resonator.antisymmetric_weight),
            ("symmetric_weight", resonator.symmetric_weight),
        ):
            self.register_buffer(name, torch.full(shape, value, dtype=dtype))
        init = (torch.rand(shape, generator=generator, dtype=torch.float64) * 2 - 1) * init_detuning
        self.detuning = nn.Parameter(init.to(dtype))
        self.bias_raw = nn.Parameter(torch.zeros(n_chains, dtype=dtype))
        self._cache: tuple[tuple, Tensor] | None = None
        self._plan: tuple[tuple, FarFieldPlan] | None = None

    @property
    def n_inputs(self) -> int:
        return self.tone_frequencies.numel()

    @property
    def n_chains(self) -> int:
        return self.detuning.shape[0]

    @property
    def n_resonators(self) -> int:
        return self.detuning.numel()

    def resonance_frequencies(self) -> Tensor:
        """f_jk (J, K) [Hz], inside the tuning band."""
        return tuned_frequency(self.anchor_frequencies, self.resonator.damping, self.detuning, self.band[0],
                               self.band[1])

    def bias_voltage(self) -> Tensor:
        """b_j (J,) [V]."""
        return self.bias_raw * self.bias_scale

    @torch.no_grad()
    def set_resonance_frequencies(self, frequencies: Tensor) -> None:
        """Program f_jk (J, K) in Hz; raises if any lies outside the tuning band."""
        f = torch.as_tensor(frequencies, dtype=torch.float64, device=self.detuning.device)
        if f.shape != self.detuning.shape:
            raise RfspinError(f"resonance frequencies: shape {tuple(f.shape)} != {tuple(self.detuning.shape)}")
        lo, hi = self.band.tolist()
        if not bool(torch.isfinite(f).all()) or bool((f < lo).any()) or bool((f > hi).any()):
            bad = f[~torch.isfinite(f) | (f < lo) | (f > hi)].flatten()[0].item()
            raise RfspinError(f"resonance frequency {bad!r} Hz outside the tuning band [{lo:.6g}, {hi:.6g}] Hz")
        anchors = self.anchor_frequencies.double()
        self.detuning.copy_((f / anchors - 1.0) / self.resonator.damping)
        _nudge_to_exact(self.detuning, f.to(self.detuning.dtype), self.resonance_frequencies)

    @torch.no_grad()
    def set_bias_voltage(self, voltage: Tensor) -> None:
        """Program the chain biases b_j (J,) in V."""
        v = torch.as_tensor(voltage, dtype=torch.float64, device=self.bias_raw.device)
        if v.shape != self.bias_raw.shape or not bool(torch.isfinite(v).all()):
            raise RfspinError(f"bias voltages: need {tuple(self.bias_raw.shape)} finite values, got {tuple(v.shape)}")
        self.bias_raw.copy_(v / self.bias_scale.double())
        _nudge_to_exact(self.bias_raw, v.to(self.bias_raw.dtype), self.bias_voltage)

    @torch.no_grad()
    def project_(self) -> None:
        """Projection after an optimizer step: keep every f_jk inside the band."""
        def bounds(anchors, band):  # they change only with the anchors or the band
            unit = anchors * self.resonator.damping
            return (band[0] - anchors) / unit, (band[1] - anchors) / unit

        lo, hi = self._kept("_detuning_bounds", (self.anchor_frequencies, self.band), bounds)
        self.detuning.copy_(torch.maximum(torch.minimum(self.detuning, hi), lo))

    def _kept(self, name: str, tensors: tuple[Tensor, ...], compute):
        """``compute(*tensors)``, kept under attribute ``name`` until one of ``tensors`` changes (in
        place, or replaced: the cache holds the tensors themselves and their versions)."""
        cached = getattr(self, name, None)
        versions = tuple(t._version for t in tensors)
        if cached is None or any(t is not c for t, c in zip(tensors, cached[0])) or cached[1] != versions:
            cached = (tensors, versions, compute(*tensors))
            setattr(self, name, cached)
        return cached[2]

    def far_field_plan(self) -> FarFieldPlan:
        """The fast kernel's plan for this layer's tones and anchors, cached until either changes
        (in place, or by moving the layer to another dtype/device)."""
        key = tuple((t.data_ptr(), t._version, t.dtype, t.device)
                    for t in (self.tone_frequencies, self.anchor_frequencies))
        if self._plan is None or self._plan[0] != key:
            self._plan = (key, far_field_plan(self.tone_frequencies, self.anchor_frequencies, self.resonator.damping))
        return self._plan[1]

    def _lineshape_factors(self) -> tuple[Tensor, Tensor]:
        """:func:`~rfspin.physics.resonator.lineshape_factors` of the buffers, kept until one of them
        changes (in place, or replaced: the cache holds the tensors themselves)."""
        buffers = (self.sensitivity, self.antisymmetric_weight, self.symmetric_weight, self.signs)
        if torch.compiler.is_compiling() or any(t.requires_grad for t in buffers):
            return lineshape_factors(*buffers)
        return self._kept("_factors", buffers, lineshape_factors)

    def kernel_options(self) -> dict:
        """Keyword arguments of :func:`~rfspin.physics.chain_kernel.chain_weights` for this layer."""
        if self.kernel == "exact" or torch.compiler.is_compiling():  # the fast path synchronises
            return {"method": "exact"}
        return {"method": self.kernel, "plan": self.far_field_plan()}

    def weights(self, tone_frequencies: Tensor | None = None) -> Tensor:
        """W (J, I) [V/W], or (B, J, I) for per-sample tone frequencies (B, I).

        Cached while gradients are off and nothing changed (inference).
        """
        u = self.tone_frequencies if tone_frequencies is None else tone_frequencies
        caching = not torch.is_grad_enabled() and tone_frequencies is None and not torch.compiler.is_compiling()
        key = None
        if caching:
            key = (self.kernel, *((t.data_ptr(), t._version) for t in (self.detuning, *self.buffers())))
            if self._cache is not None and self._cache[0] == key:
                return self._cache[1]
        if type(self).resonance_frequencies is ResonatorChainLayer.resonance_frequencies:
            v, delta, a, b = tuned_coefficients(self.detuning, self.anchor_frequencies, self.resonator.damping,
                                                self.band[0], self.band[1], self.damping, *self._lineshape_factors())
        else:  # a subclass maps its parameters to frequencies its own way (e.g. binary devices)
            v = self.resonance_frequencies()
            delta, a, b = coefficients_from_factors(v, self.damping, *self._lineshape_factors())
        if u.dim() == 2:  # per-sample tones: one chain set per sample
            lead = u.shape[0]
            v, delta, a, b = (t.expand(lead, *t.shape) for t in (v, delta, a, b))
        w = chain_weights(u, v, delta, a, b, **self.kernel_options())
        if caching:
            self._cache = (key, w)
        return w

    def forward(self, inputs: Tensor | Tones, *, validate: bool = True) -> Tensor:
        """Tone powers (B, I) [W] at the layer's tone frequencies, or Tones -> voltages (B, J) [V].

        Shared (I,) tone frequencies are the layer's own ``tone_frequencies``; (B, I) ones give
        per-sample weights. Powers of any real dtype are converted to the layer's; ``validate``
        checks them (finite, >= 0: one host synchronisation). Networks validate once at their
        input and run their layers through :mod:`rfspin.nn.engine` unchecked.
        """
        if isinstance(inputs, Tones):
            freqs, powers = inputs
            freqs = None if freqs.dim() == 1 else freqs.to(self.detuning.dtype)
        else:
            freqs, powers = None, inputs
        powers = as_powers(powers, self.n_inputs, self.detuning.dtype, validate=validate)
        return apply_chains(powers, self.weights(freqs), self.bias_voltage())

    def layer_counts(self) -> LayerCounts:
        """Devices and operations per inference (one evaluation of every chain)."""
        return LayerCounts(
            kind="resonator_chains",
            n_resonators=self.n_resonators,
            n_chains=self.n_chains,
            n_inputs=self.n_inputs,
            evaluations=1,
            synaptic_ops=self.n_resonators,
            macs=self.n_inputs * self.n_chains,
        )

    def extra_repr(self) -> str:
        return f"tones={self.n_inputs}, chains={self.n_chains}, resonators_per_chain={self.detuning.shape[1]}"
