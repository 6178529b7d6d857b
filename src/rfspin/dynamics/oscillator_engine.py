"""The stochastic Heun stepper behind :func:`rfspin.dynamics.oscillator_sim.simulate_oscillators`.

Real and imaginary parts are real tensors of shape (trials, devices). With
a0 = G_G (zeta - 1), a1 = G_G (zeta + Q) (per device, per current segment) the rotating-frame
drift of the auto-oscillator equation is, for p = re^2 + im^2,

    g   = a0 - a1 p                 (G- - G+)            [1/s]
    det = 2 pi (f0 - f_r) + N_rad p (detuning)           [rad/s]
    d re/dt = g re + det im + Re f_e,   d im/dt = g im - det re + Im f_e

and the noise per real component is b dW with b = s sqrt(1 + Q p), s^2 = G_G k_B T / E_0 dt
folded into the pre-drawn N(0, 1) numbers. Two implementations of the same step: an in-place
one on preallocated buffers (fast, no autograd) and a functional one (autograd through every
step); :func:`run_heun` picks the functional one when an input requires grad.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from ..device import random_normal

__all__ = ["HeunProblem", "run_heun"]

#: Numbers of noise drawn at once (2 x steps x trials x devices).
CHUNK_ELEMENTS = 1 << 22
PROGRESS_STEPS = 20_000


@dataclass(frozen=True)
class HeunProblem:
    """Everything the stepper needs (tensors on the computing device, dtype of the state).

    gain0, gain1: (segments, devices) a0, a1 [1/s]; steps_per_segment: steps each segment holds
    (the last holds to the end); detuning0: (devices,) 2 pi (f0 - f_r) [rad/s]; shift: N_rad
    [rad/s]; nonlinear_damping: Q; noise_scale: s (0: no noise); drive: callable(first_step,
    count) -> (re, im) each (count + 1, devices) of f_e at steps first..first+count, or None;
    coupling: (W_re, W_im) with f_e += c @ W (W = Omega^T), or None.
    """

    gain0: Tensor
    gain1: Tensor
    steps_per_segment: int
    detuning0: Tensor
    shift: float
    nonlinear_damping: float
    noise_scale: float
    time_step: float
    drive: Callable[[int, int], tuple[Tensor, Tensor]] | None
    coupling: tuple[Tensor, Tensor] | None


def _drift(p: HeunProblem, re, im, a0, a1, f_re, f_im):
    """(d re/dt, d im/dt, power), out of place."""
    power = re * re + im * im
    gain = a0 - a1 * power
    det = p.detuning0 + p.shift * power
    d_re = gain * re + det * im
    d_im = gain * im - det * re
    if p.coupling is not None:
        w_re, w_im = p.coupling
        d_re = d_re + re @ w_re - im @ w_im
        d_im = d_im + re @ w_im + im @ w_re
    if f_re is not None:
        d_re = d_re + f_re
        d_im = d_im + f_im
    return d_re, d_im, power


def _step_functional(p: HeunProblem, re, im, a0, a1, fa, fb, w_re, w_im):
    dt, q = p.time_step, p.nonlinear_damping
    d1_re, d1_im, p1 = _drift(p, re, im, a0, a1, *fa)
    pr_re, pr_im = re + dt * d1_re, im + dt * d1_im
    if w_re is not None:
        b1 = torch.sqrt(torch.clamp(1.0 + q * p1, min=0.0))
        pr_re, pr_im = pr_re + b1 * w_re, pr_im + b1 * w_im
    d2_re, d2_im, p2 = _drift(p, pr_re, pr_im, a0, a1, *fb)
    re = re + (0.5 * dt) * (d1_re + d2_re)
    im = im + (0.5 * dt) * (d1_im + d2_im)
    if w_re is not None:
        b = 0.5 * (b1 + torch.sqrt(torch.clamp(1.0 + q * p2, min=0.0)))
        re, im = re + b * w_re, im + b * w_im
    return re, im


class _Buffers:
    """Preallocated work tensors for the in-place step."""

    def __init__(self, like: Tensor) -> None:
        for name in ("power", "gain", "det", "pd_re", "pd_im", "pr_re", "pr_im", "b1"):
            setattr(self, name, torch.empty_like(like))


def _gain_and_detuning(p: HeunProblem, bufs: _Buffers, re: Tensor, im: Tensor, a0: Tensor, a1: Tensor) -> Tensor:
    """g = a0 - a1 p and det = 2 pi (f0 - f_r) + N_rad p into bufs.gain, bufs.det; returns p (bufs.power)."""
    power = bufs.power
    torch.mul(re, re, out=power).addcmul_(im, im)
    torch.addcmul(a0, a1, power, value=-1.0, out=bufs.gain)
    torch.add(p.detuning0, power, alpha=p.shift, out=bufs.det)
    return power


def _add_drift(p: HeunProblem, bufs: _Buffers, re, im, f_re, f_im, out_re, out_im, scale: float) -> None:
    """out += scale x drift(re, im), with g and det of (re, im) already in bufs (out must not alias re, im)."""
    out_re.addcmul_(bufs.gain, re, value=scale).addcmul_(bufs.det, im, value=scale)
    out_im.addcmul_(bufs.gain, im, value=scale).addcmul_(bufs.det, re, value=-scale)
    if p.coupling is not None:
        w_re, w_im = p.coupling
        out_re.addmm_(re, w_re, alpha=scale).addmm_(im, w_im, alpha=-scale)
        out_im.addmm_(re, w_im, alpha=scale).addmm_(im, w_re, alpha=scale)
    if f_re is not None:
        out_re.add_(f_re, alpha=scale)
        out_im.add_(f_im, alpha=scale)


def _noise_amplitude(power: Tensor, q: float, out: Tensor) -> Tensor:
    """sqrt(1 + Q p) into ``out`` (may be ``power`` itself)."""
    torch.mul(power, q, out=out).add_(1.0)
    if q < 0:  # 1 + Q p >= 0 unless p > 1/|Q|
        out.clamp_(min=0.0)
    return out.sqrt_()


def _step_inplace(p: HeunProblem, bufs: _Buffers, re, im, a0, a1, fa, fb, w_re, w_im) -> None:
    """One Heun step in place, as x_{n+1} = (x_n + x_pd + dt a(x~) + (b1 + b2) dW) / 2 with
    x_pd = x_n + dt a(x_n) and x~ = x_pd + b1 dW (the same update as the functional step)."""
    dt, q = p.time_step, p.nonlinear_damping
    # deterministic predictor x_pd = x + dt a(x): its first term written straight into the buffer
    _gain_and_detuning(p, bufs, re, im, a0, a1)
    pd_re, pd_im = bufs.pd_re, bufs.pd_im
    torch.addcmul(re, bufs.gain, re, value=dt, out=pd_re).addcmul_(bufs.det, im, value=dt)
    torch.addcmul(im, bufs.gain, im, value=dt, out=pd_im).addcmul_(bufs.det, re, value=-dt)
    if p.coupling is not None:
        w_c_re, w_c_im = p.coupling
        pd_re.addmm_(re, w_c_re, alpha=dt).addmm_(im, w_c_im, alpha=-dt)
        pd_im.addmm_(re, w_c_im, alpha=dt).addmm_(im, w_c_re, alpha=dt)
    if fa[0] is not None:
        pd_re.add_(fa[0], alpha=dt)
        pd_im.add_(fa[1], alpha=dt)
    pr_re, pr_im = pd_re, pd_im
    if w_re is not None:
        b1 = _noise_amplitude(bufs.power, q, bufs.b1)
        pr_re = torch.addcmul(pd_re, b1, w_re, out=bufs.pr_re)
        pr_im = torch.addcmul(pd_im, b1, w_im, out=bufs.pr_im)
    _gain_and_detuning(p, bufs, pr_re, pr_im, a0, a1)
    re.add_(pd_re)
    im.add_(pd_im)
    _add_drift(p, bufs, pr_re, pr_im, *fb, re, im, dt)
    if w_re is not None:
        b_sum = _noise_amplitude(bufs.power, q, bufs.power).add_(bufs.b1)
        re.addcmul_(b_sum, w_re)
        im.addcmul_(b_sum, w_im)
    re.mul_(0.5)
    im.mul_(0.5)


def run_heun(problem: HeunProblem, re: Tensor, im: Tensor, n_steps: int, record_every: int | None,
             generator: torch.Generator | None, differentiable: bool, progress: bool):
    """Integrate n_steps; returns (re, im, records (R, 2, trials, devices) or None, record segment index (R,))."""
    trials, n = re.shape
    dtype, device = re.dtype, re.device
    n_records = n_steps // record_every if record_every else 0
    recorded = [] if differentiable else torch.empty((n_records, 2, trials, n), dtype=dtype, device=device)
    segment_of_record = torch.empty(n_records, dtype=torch.long)
    if not differentiable:
        re, im = re.detach().clone(), im.detach().clone()
        bufs = _Buffers(re)
    noisy = problem.noise_scale > 0
    chunk = max(1, min(n_steps, CHUNK_ELEMENTS // max(1, 2 * trials * n)))
    last_segment = problem.gain0.shape[0] - 1
    bar = None
    if progress and n_steps >= PROGRESS_STEPS:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, desc="oscillators", unit="step", leave=False)
    step, row = 0, 0
    while step < n_steps:
        size = min(chunk, n_steps - step)
        if noisy:
            noise = random_normal((size, 2, trials, n), generator, dtype=dtype, device=device)
            noise.mul_(problem.noise_scale)
        drive = problem.drive(step, size) if problem.drive is not None else None
        for k in range(size):
            s = step + k
            segment = min(s // problem.steps_per_segment, last_segment)
            a0, a1 = problem.gain0[segment], problem.gain1[segment]
            fa = (drive[0][k], drive[1][k]) if drive is not None else (None, None)
            fb = (drive[0][k + 1], drive[1][k + 1]) if drive is not None else (None, None)
            w_re, w_im = (noise[k, 0], noise[k, 1]) if noisy else (None, None)
            if differentiable:
                re, im = _step_functional(problem, re, im, a0, a1, fa, fb, w_re, w_im)
            else:
                _step_inplace(problem, bufs, re, im, a0, a1, fa, fb, w_re, w_im)
            if record_every and (s + 1) % record_every == 0:
                if differentiable:
                    recorded.append(torch.stack((re, im)))
                else:
                    recorded[row, 0].copy_(re)
                    recorded[row, 1].copy_(im)
                segment_of_record[row] = segment
                row += 1
        step += size
        if bar is not None:
            bar.update(size)
    if bar is not None:
        bar.close()
    if differentiable:
        recorded = torch.stack(recorded) if recorded else None
    elif n_records == 0:
        recorded = None
    return re, im, recorded, segment_of_record
