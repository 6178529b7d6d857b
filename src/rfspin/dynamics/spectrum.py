"""Power spectrum of simulated oscillators and its Lorentzian linewidth.

The spectrum is that of the lab-frame signal c(t) ~ exp(-i w t): computed from the rotating-frame
records c' (``OscillatorTrace.amplitude``) as the periodogram |FFT(conj(c'))|^2, averaged over the
given dimensions, on the frequency axis f_r + k / (n dt_s) [Hz] (two-sided around the reference).
A thermally broadened line is a Lorentzian S(f) = A / (1 + ((f - f_c) / (w / 2))^2) + B with
full width at half maximum w (Kim, Tiberkevich and Slavin, PRL 100, 017207 (2008)), fitted
with :func:`scipy.optimize.curve_fit`. The record window must be much longer than 1 / w and
the sample interval shorter than 1 / (the band around f_r), else the fit meets the frequency
resolution (it is reported, not hidden: ``resolution``); with >= 20 bins per FWHM the fitted
width is within a few per cent.

API: ``power_spectrum(amplitude, sample_interval, reference_frequency, average_dims)`` ->
(frequencies [Hz], spectrum [1/Hz]); ``fit_lorentzian(frequencies, spectrum)`` ->
:class:`LorentzianFit` (center, fwhm [Hz], peak, offset, resolution); ``lorentzian(frequencies, fit)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ..errors import RfspinError

__all__ = ["LorentzianFit", "fit_lorentzian", "lorentzian", "power_spectrum"]


def power_spectrum(amplitude: Tensor, sample_interval: float, reference_frequency: float = 0.0,
                   average_dims: tuple[int, ...] = (1,)) -> tuple[Tensor, Tensor]:
    """(frequencies (n,) [Hz] ascending, spectral density (n, ...) [1/Hz]) of records (n, ...).

    Periodogram (rectangular window: its Fejer kernel, 0.9 bins wide, broadens a line least) of
    the lab-frame signal, normalised so that its sum times the bin width is the mean power
    <|c|^2> (Parseval); averaged over ``average_dims`` of the input (e.g. trials).
    """
    n = amplitude.shape[0]
    if n < 8:
        raise RfspinError(f"power_spectrum: {n} records: need at least 8")
    spectrum = torch.fft.fftshift(torch.fft.fft(amplitude.conj(), dim=0).abs() ** 2, dim=0) * (sample_interval / n)
    if average_dims:
        spectrum = spectrum.mean(dim=average_dims)
    offsets = torch.fft.fftshift(torch.fft.fftfreq(n, d=sample_interval, dtype=torch.float64))
    return reference_frequency + offsets, spectrum


@dataclass(frozen=True)
class LorentzianFit:
    """A fitted line: center f_c [Hz], fwhm w [Hz], peak A and offset B [1/Hz], resolution 1/(n dt_s) [Hz]."""

    center: float
    fwhm: float
    peak: float
    offset: float
    resolution: float


def _lorentzian(f, center, half_width, peak, offset):
    return peak / (1.0 + ((f - center) / half_width) ** 2) + offset


def fit_lorentzian(frequencies: Tensor, spectrum: Tensor, span: float = 10.0) -> LorentzianFit:
    """Least-squares Lorentzian fit of one spectrum (1-D) with scipy, within ``span`` half-widths of the peak."""
    import numpy as np
    from scipy.optimize import curve_fit

    f = np.asarray(frequencies.detach().cpu(), dtype=np.float64)
    s = np.asarray(spectrum.detach().cpu(), dtype=np.float64)
    if f.ndim != 1 or s.shape != f.shape:
        raise RfspinError(f"fit_lorentzian: frequencies {f.shape} and spectrum {s.shape} must be equal 1-D shapes")
    if not np.all(np.isfinite(s)) or s.max() <= 0:
        raise RfspinError("fit_lorentzian: the spectrum must be finite with a positive peak")
    resolution = float(f[1] - f[0])
    k = int(s.argmax())
    above = np.nonzero(s >= s[k] / 2)[0]
    guess_half = max(0.5 * resolution * (above.max() - above.min() + 1), resolution)
    # fit within +-span guessed half-widths of the peak: the far tails are noise that would dominate
    near = np.abs(f - f[k]) <= span * guess_half
    if near.sum() < 5:
        raise RfspinError("fit_lorentzian: fewer than 5 bins around the peak; the line is not resolved")
    scale = s[k]
    try:
        # relative frequency axis: absolute frequencies (MHz-GHz) would lose the linewidth in rounding
        params, _ = curve_fit(
            lambda x, c, h, a, b: _lorentzian(x, c, h, a, b), f[near] - f[k], s[near] / scale,
            p0=(0.0, guess_half, 1.0, 0.0), bounds=([-np.inf, 0.0, 0.0, 0.0], np.inf), maxfev=20000,
        )
    except RuntimeError as error:  # curve_fit: no convergence
        raise RfspinError(f"fit_lorentzian: the spectrum is not a Lorentzian line ({error})") from None
    center, half, peak, offset = params
    return LorentzianFit(center=float(f[k] + center), fwhm=float(2 * abs(half)), peak=float(peak * scale),
                         offset=float(offset * scale), resolution=resolution)


def lorentzian(frequencies: Tensor, fit: LorentzianFit) -> Tensor:
    """The fitted line on ``frequencies`` [1/Hz] (for plots)."""
    return _lorentzian(frequencies, fit.center, 0.5 * fit.fwhm, fit.peak, fit.offset)
