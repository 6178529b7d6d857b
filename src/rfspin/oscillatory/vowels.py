"""Vowels by synchronization: four coupled spin-torque oscillators driven by two RF inputs
(Romera et al., Nature 563, 230 (2018)).

A vowel's first two formants (F1, F2) set the frequencies of two RF drives A and B, each mapped
linearly into the oscillators' band [f_lo, f_hi] (range of each formant from the training set).
Every oscillator i has its own DC current I_i, hence its own frequency f_i = f0 + N p0(I_i / I_th);
the oscillators are weakly coupled (electrically, through the shared RF current: a fixed complex
coupling Omega_ij = kappa G_G exp(i phi) / (K - 1), i != j). The network's output is its
synchronization pattern: which oscillator is phase-locked to which drive.

Dynamics: the auto-oscillator equation with drives and coupling, :func:`rfspin.dynamics.oscillator.
amplitude_drift` (thermal noise D(p) of :func:`~rfspin.dynamics.oscillator.noise_intensity`),
integrated by stochastic Heun in a frame rotating at the band centre. Each sample has its own drive
frequencies, so samples are the leading batch dimension here (the library simulator shares its
drives between devices). Differentiable: the loop is out of place.

Smooth synchronization measure (what the network outputs): after the first ``window_start`` of
the window (default a quarter), the complex phase coherence of oscillator i with drive d

    C_id = < c_i(t) / |c_i(t)| * exp(+i (w_d - w_r) t) >_t

whose modulus S_id = |C_id| in [0, 1] is 1 when locked, ~0 when drifting, and whose phase is the
locking phase (Adler: graded across the locking range). ``features`` = "complex" (default: the
synchronization pattern incl. locking phase, Re and Im of C, 4K values, what a lock-in referenced
to each drive measures) or "magnitude" (S only, 2K values). Romera's rule works on S.

Classes <- patterns (``decoder``):

- "readout" (default): a multinomial logistic readout of the pattern, logits = W vec(S) + b
  (classes x (nfeatures + 1) weights), fitted (L-BFGS, small L2) on the training patterns
  as the network outputs them at the evaluation temperature.
- "prototype": each class has a prototype pattern T_c, the mean S of its training samples; a
  sample is classified as the class whose prototype is nearest to its S (squared distance).

Training of the DC currents (both start from the currents that spread the oscillators evenly over
the band, and both are followed by a refit of the decoder at the trained currents):

- Romera's rule (frequency learning rule of the paper, in batch form): targets T_c = the class
  prototypes at the initial currents; for every training sample, oscillator and drive,
  e = T_cid - S_id; f_i moves by eta e (f_d - f_i) (towards a drive it should lock to but does
  not, away from one it locks to but should not); the current follows from
  df/dI = N (1 + Q) / (I_th (zeta + Q)^2).
- Gradient: cross-entropy of the decoder's logits (readout: W vec(S) + b, trained jointly with the
  currents; prototype: -|S - T_c|^2 / tau) back-propagated through the simulation (noise off
  by default, thermal noise with ``temperature`` > 0), Adam.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ..device import make_generator, random_normal
from ..dynamics.oscillator import amplitude_drift, noise_intensity
from ..dynamics.oscillator_params import TORREJON2017_VORTEX, AutoOscillatorParams
from ..errors import RfspinError
from ..validation import check_fields

__all__ = [
    "VOWEL_OSCILLATOR",
    "VowelNetworkConfig",
    "classify",
    "fit_readout",
    "initial_currents",
    "map_to_band",
    "oscillator_frequencies",
    "synchronization",
    "target_patterns",
    "train_gradient",
    "train_romera_rule",
]

#: The oscillator of the vowel network: the vortex oscillator of Torrejon 2017
#: (:data:`~rfspin.dynamics.oscillator_params.TORREJON2017_VORTEX`: f0 = 300 MHz, N = 20 MHz,
#: G_G = 1e7 1/s, Q = 1, E_0 = 500 k_B T); the DC current tunes it over ~7 MHz (zeta 1.2-2.5),
#: as the current-tunable vortex oscillators of Romera et al. 2018.
VOWEL_OSCILLATOR = TORREJON2017_VORTEX


@dataclass(frozen=True)
class VowelNetworkConfig:
    """Vowel network settings.

    oscillators: K [1]; min_current_ratio / max_current_ratio: allowed zeta = I / I_th range [1]
    (sets the band [f_lo, f_hi]); drive_amplitude: F of each drive [1/s]; coupling: kappa, coupling
    strength in units of G_G [1]; duration: simulated window [s]; time_step: dt [s];
    temperature: T [K] at evaluation (training runs at 0 K); tau: softness of the prototype
    decoder [1]; decoder: "readout" (logistic readout of S) or "prototype" (nearest class
    pattern); readout_decay: L2 weight of the readout [1]; features: what the decoder reads,
    "magnitude" (|coherence|, 2K values) or "complex" (the synchronization pattern incl. locking
    phase: Re and Im of each coherence, 4K values); window_start: fraction of the window after
    which the coherence is averaged [1]; seed [1].
    """

    oscillators: int = 4
    min_current_ratio: float = 1.2
    max_current_ratio: float = 2.5
    drive_amplitude: float = 8e5
    coupling: float = 0.05
    duration: float = 16e-6
    time_step: float = 4e-9
    temperature: float = 300.0
    tau: float = 0.1
    decoder: str = "readout"
    readout_decay: float = 1e-3
    features: str = "complex"
    window_start: float = 0.25
    seed: int = 0

    def __post_init__(self) -> None:
        check_fields(self, oscillators={"ge": 1, "le": 64}, min_current_ratio={"gt": 1.0, "le": 100.0},
                     max_current_ratio={"gt": 1.0, "le": 100.0}, drive_amplitude={"gt": 0.0, "le": 1e12},
                     coupling={"ge": 0.0, "le": 10.0}, duration={"gt": 0.0, "le": 1e-3},
                     time_step={"gt": 0.0}, temperature={"ge": 0.0, "le": 1e4}, tau={"gt": 0.0},
                     readout_decay={"ge": 0.0, "le": 1e3}, window_start={"ge": 0.0, "lt": 1.0}, seed={"ge": 0})
        if self.features not in ("magnitude", "complex"):
            raise RfspinError(f"features = {self.features!r}: choose 'magnitude' or 'complex'")
        if self.decoder not in ("readout", "prototype"):
            raise RfspinError(f"decoder = {self.decoder!r}: choose 'readout' or 'prototype'")
        if self.min_current_ratio >= self.max_current_ratio:
            raise RfspinError(f"min_current_ratio = {self.min_current_ratio}: must be < max_current_ratio = "
                              f"{self.max_current_ratio}")
        if self.duration / self.time_step < 20 or self.duration / self.time_step > 1e6:
            raise RfspinError(f"duration / time_step = {self.duration / self.time_step:.3g}: must be in [20, 1e6]")


def oscillator_frequencies(zeta: torch.Tensor, params: AutoOscillatorParams) -> torch.Tensor:
    """f = f0 + N p0(zeta) [Hz] (free-running, above threshold)."""
    q = params.nonlinear_damping
    return params.free_running_frequency + params.nonlinear_frequency_shift * (zeta - 1) / (zeta + q)


def band(params: AutoOscillatorParams, config: VowelNetworkConfig) -> tuple[float, float]:
    """(f_lo, f_hi) [Hz]: the frequencies the allowed currents reach."""
    lo, hi = oscillator_frequencies(torch.tensor([config.min_current_ratio, config.max_current_ratio],
                                                 dtype=torch.float64), params).tolist()
    return lo, hi


def map_to_band(formants: np.ndarray, ranges: np.ndarray, f_band: tuple[float, float]) -> np.ndarray:
    """(n, 2) drive frequencies [Hz]: each formant mapped linearly from ``ranges`` (2, 2) [[min, max]
    per formant] onto the central 80 % of the band (so that the edge oscillators can reach it)."""
    lo, hi = f_band
    margin = 0.1 * (hi - lo)
    unit = (np.asarray(formants, dtype=np.float64) - ranges[:, 0]) / (ranges[:, 1] - ranges[:, 0])
    return lo + margin + np.clip(unit, -0.1, 1.1) * (hi - lo - 2 * margin)


def _coupling(k: int, kappa: float, damping_rate: float, dtype, device=None) -> torch.Tensor:
    """(K, K) complex Omega [1/s], zero diagonal, phase pi/4 (Romera: electrical coupling through the
    shared RF current; the phase is an assumption)."""
    off = torch.ones(k, k, dtype=torch.float64) - torch.eye(k, dtype=torch.float64)
    omega = off * (kappa * damping_rate / max(k - 1, 1))
    return torch.polar(omega, torch.full_like(omega, math.pi / 4)).to(dtype=dtype, device=device)


def synchronization(drive_frequencies: torch.Tensor, zeta: torch.Tensor, params: AutoOscillatorParams,
                    config: VowelNetworkConfig, *, temperature: float | None = None,
                    generator: torch.Generator | None = None, output: str | None = None) -> torch.Tensor:
    """Synchronization pattern: phase coherence of every oscillator with each drive.

    output (default ``config.features``): "magnitude" -> S (samples, K, 2) in [0, 1]; "complex" ->
    (samples, K, 4) = (Re, Re, Im, Im) of the complex coherence (its phase is the locking phase);
    "raw" -> the complex coherence (samples, K, 2).
    drive_frequencies: (samples, 2) [Hz]; zeta: (K,) currents / I_th (may require grad); runs on
    zeta's device (the generator must live there too).
    """
    temp = config.temperature if temperature is None else temperature
    if temp > 0 and generator is None:
        raise RfspinError("synchronization: a torch.Generator is required when the temperature is > 0 K")
    dtype = torch.complex128 if zeta.dtype == torch.float64 else torch.complex64
    real = zeta.dtype
    n, k = drive_frequencies.shape[0], zeta.shape[0]
    f_lo, f_hi = band(params, config)
    f_ref = 0.5 * (f_lo + f_hi)
    # (n, 2) rad/s in the rotating frame
    w_rel = 2 * math.pi * (drive_frequencies.to(dtype=real, device=zeta.device) - f_ref)
    dt = config.time_step
    steps = round(config.duration / dt)
    current = zeta * params.threshold_current
    omega = _coupling(k, config.coupling, params.damping_rate, dtype, zeta.device)
    p0 = torch.clamp((zeta - 1) / (zeta + params.nonlinear_damping), min=1e-3)
    c = torch.sqrt(p0).to(dtype).expand(n, k)
    amp = config.drive_amplitude
    scale = math.sqrt(dt) if temp > 0 else 0.0
    start = min(int(round(config.window_start * steps)), steps - 1)
    acc = torch.zeros(n, k, 2, dtype=dtype, device=zeta.device)

    def drift(c, t):
        phase = torch.polar(torch.ones_like(w_rel), -w_rel * t)  # (n, 2) drives in the rotating frame
        external = amp * phase.sum(dim=1, keepdim=True).to(dtype) + c @ omega.T
        return amplitude_drift(c, current, params, reference_angular_frequency=2 * math.pi * f_ref,
                               external=external)

    for s in range(steps):
        t = s * dt
        a = drift(c, t)
        if temp > 0:
            noise = random_normal((2, n, k), generator, dtype=real)
            w = torch.complex(noise[0], noise[1]) * scale
            b = torch.sqrt(noise_intensity(c.real**2 + c.imag**2, params, temp))
            pred = c + a * dt + b * w
            b2 = torch.sqrt(noise_intensity(pred.real**2 + pred.imag**2, params, temp))
            c = c + 0.5 * dt * (a + drift(pred, t + dt)) + 0.5 * (b + b2) * w
        else:
            pred = c + a * dt
            c = c + 0.5 * dt * (a + drift(pred, t + dt))
        if s >= start:
            unit = c / torch.clamp(c.abs(), min=1e-12)
            drive_phase = torch.polar(torch.ones_like(w_rel), w_rel * (t + dt)).to(dtype)  # (n, 2)
            acc = acc + unit.unsqueeze(-1) * drive_phase.unsqueeze(1)
    if not bool(torch.isfinite(torch.view_as_real(c.detach())).all()):
        raise RfspinError("synchronization: the simulation diverged; reduce time_step or drive_amplitude")
    coherence = acc / (steps - start)
    output = config.features if output is None else output
    if output == "magnitude":
        return coherence.abs()
    if output == "complex":
        return torch.cat([coherence.real, coherence.imag], dim=-1)
    if output == "raw":
        return coherence
    raise RfspinError(f"synchronization: output = {output!r}: choose 'magnitude', 'complex' or 'raw'")


def initial_currents(params: AutoOscillatorParams, config: VowelNetworkConfig) -> torch.Tensor:
    """(K,) zeta with the oscillator frequencies spread evenly over the band (float64)."""
    f_lo, f_hi = band(params, config)
    targets = f_lo + (torch.arange(config.oscillators, dtype=torch.float64) + 0.5) / config.oscillators * (f_hi - f_lo)
    # invert f = f0 + N (zeta - 1)/(zeta + Q): x = (f - f0)/N, zeta = (1 + Q x)/(1 - x)
    x = (targets - params.free_running_frequency) / params.nonlinear_frequency_shift
    return (1 + params.nonlinear_damping * x) / (1 - x)


def target_patterns(sync: torch.Tensor, labels: np.ndarray, classes: int) -> torch.Tensor:
    """(classes, K, 2) class prototypes: the mean synchronization pattern of each class's training
    samples (what the network is trained towards and decoded with)."""
    labels = torch.as_tensor(labels)
    missing = [c for c in range(classes) if not bool((labels == c).any())]
    if missing:
        raise RfspinError(f"target_patterns: no training samples of class(es) {missing}")
    return torch.stack([sync[labels == c].mean(dim=0) for c in range(classes)]).detach()


def _logits(sync: torch.Tensor, decoder: torch.Tensor, tau: float) -> torch.Tensor:
    """Class logits of patterns S (n, K, 2): ``decoder`` (classes, K, 2) prototypes ->
    -|S - T_c|^2 / tau; (classes, 2K + 1) readout weights -> W vec(S) + b."""
    decoder = decoder.to(dtype=sync.dtype, device=sync.device)
    if decoder.dim() == 2:
        return sync.reshape(len(sync), -1) @ decoder[:, :-1].T + decoder[:, -1]
    distance = ((sync.unsqueeze(1) - decoder.unsqueeze(0)) ** 2).sum(dim=(2, 3))
    return -distance / tau


def classify(sync: torch.Tensor, decoder: torch.Tensor) -> np.ndarray:
    """Class = nearest prototype pattern (decoder (classes, K, 2)) or the readout's arg-max
    (decoder (classes, 2K + 1))."""
    return _logits(sync.detach(), decoder, 1.0).argmax(dim=1).cpu().numpy()


def fit_readout(sync: torch.Tensor, labels: np.ndarray, classes: int, *, decay: float = 1e-3,
                init: torch.Tensor | None = None) -> torch.Tensor:
    """(classes, 2K + 1) weights of the logistic readout of the patterns S (n, K, 2): minimises
    cross-entropy + decay |W|^2 (bias not penalised) by L-BFGS (deterministic)."""
    s = sync.detach().reshape(len(sync), -1)
    y = torch.as_tensor(labels, device=s.device)
    if init is None:
        init = torch.zeros(classes, s.shape[1] + 1, dtype=s.dtype, device=s.device)
    weights = init.detach().to(dtype=s.dtype, device=s.device).clone().requires_grad_(True)
    optimiser = torch.optim.LBFGS([weights], max_iter=500, line_search_fn="strong_wolfe")

    def closure():
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(_logits(s, weights, 1.0), y) + decay * (weights[:, :-1] ** 2).sum()
        loss.backward()
        return loss

    optimiser.step(closure)
    if not bool(torch.isfinite(weights).all()):
        raise RfspinError("fit_readout: the readout diverged")
    return weights.detach()


def _clamp(zeta: torch.Tensor, config: VowelNetworkConfig) -> torch.Tensor:
    return zeta.clamp(config.min_current_ratio, config.max_current_ratio)


def train_romera_rule(drives: np.ndarray, labels: np.ndarray, targets: torch.Tensor, zeta: torch.Tensor,
                      params: AutoOscillatorParams, config: VowelNetworkConfig, *, epochs: int = 8,
                      rate: float = 0.5, progress: bool = False) -> tuple[torch.Tensor, list[float]]:
    """Romera's frequency rule (batch form) towards the prototype patterns ``targets`` (classes, K, 2);
    returns the trained zeta and the training accuracy (nearest prototype) per epoch."""
    if targets.dim() != 3:
        raise RfspinError("train_romera_rule: targets must be class patterns (classes, K, 2)")
    zeta = zeta.detach().clone()
    history = []
    f = torch.as_tensor(drives, dtype=torch.float64).to(zeta.device)
    targets = targets.to(zeta.device)
    for _ in _epochs(epochs, progress, "Romera rule"):
        sync = synchronization(f, zeta, params, config, temperature=0.0, output="magnitude")
        history.append(float(np.mean(classify(sync, targets) == labels)))
        error = targets[torch.as_tensor(labels, device=zeta.device)] - sync  # (n, K, 2)
        freqs = oscillator_frequencies(zeta, params)
        step = (error * (f.unsqueeze(1) - freqs.view(1, -1, 1))).mean(dim=(0, 2)) * rate
        q = params.nonlinear_damping
        slope = params.nonlinear_frequency_shift * (1 + q) / (zeta + q) ** 2
        zeta = _clamp(zeta + step / slope, config)
    return zeta, history


def train_gradient(drives: np.ndarray, labels: np.ndarray, decoder: torch.Tensor, zeta: torch.Tensor,
                   params: AutoOscillatorParams, config: VowelNetworkConfig, *, epochs: int = 8,
                   batch_size: int = 128, learning_rate: float = 0.03, readout_rate: float = 0.05,
                   temperature: float = 0.0, progress: bool = False) -> tuple[torch.Tensor, list[float]]:
    """Adam on zeta (and on the readout weights when ``decoder`` is a readout (classes, nfeatures + 1);
    prototypes stay fixed), gradient of the cross-entropy through the simulation, noise-free at
    ``temperature`` 0 K, else with thermal noise (a fresh draw for every batch, seeded by config.seed).
    Returns the trained zeta and the training accuracy of each epoch (during the epoch)."""
    device = zeta.device
    param = zeta.detach().clone().requires_grad_(True)
    groups = [{"params": [param], "lr": learning_rate}]
    weights = decoder.detach().to(device).clone()
    if weights.dim() == 2:
        weights.requires_grad_(True)
        groups.append({"params": [weights], "lr": readout_rate})
    optimiser = torch.optim.Adam(groups)
    f = torch.as_tensor(drives, dtype=torch.float64).to(device)
    y = torch.as_tensor(labels).to(device)
    rng = np.random.default_rng(config.seed)
    gen = make_generator(device, config.seed + 7) if temperature > 0 else None
    history = []
    for _ in _epochs(epochs, progress, "gradient"):
        correct = 0
        for batch in np.array_split(rng.permutation(len(y)), max(1, math.ceil(len(y) / batch_size))):
            index = torch.as_tensor(batch, device=device)
            sync = synchronization(f[index], _clamp(param, config), params, config, temperature=temperature,
                                   generator=gen)
            logits = _logits(sync, weights, config.tau)
            loss = torch.nn.functional.cross_entropy(logits, y[index])
            if weights.requires_grad:
                loss = loss + config.readout_decay * (weights[:, :-1] ** 2).sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            correct += int((logits.argmax(dim=1) == y[index]).sum())
        history.append(correct / len(y))
    return _clamp(param.detach(), config), history


def _epochs(epochs: int, progress: bool, name: str):
    from tqdm import tqdm

    return tqdm(range(epochs), desc=f"vowels ({name})", disable=not progress, leave=False)


def evaluate(drives: np.ndarray, zeta: torch.Tensor, decoder: torch.Tensor | None, params: AutoOscillatorParams,
             config: VowelNetworkConfig, seed: int = 0, chunk: int = 512) -> tuple[np.ndarray, torch.Tensor]:
    """Predicted classes (None without a decoder) and the pattern at the evaluation temperature
    (noise from a seeded generator on zeta's device)."""
    gen = make_generator(zeta.device, seed)
    f = torch.as_tensor(drives, dtype=torch.float64).to(zeta.device)
    syncs = [synchronization(f[i: i + chunk], zeta, params, config, generator=gen) for i in range(0, len(f), chunk)]
    sync = torch.cat(syncs)
    return (None if decoder is None else classify(sync, decoder)), sync
