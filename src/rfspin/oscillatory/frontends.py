"""Acoustic front ends: one utterance -> a sequence of feature frames (frames, features).

All computed with well-kept libraries (no hand-written DSP):

- ``mfcc``: librosa MFCCs (mel filter bank, log, DCT) with their first time derivative.
- ``spectrogram``: log power STFT spectrogram (librosa), ``log10(|X|^2 + 1e-10)``.
- ``cochleagram``: Lyon's passive ear model (R. F. Lyon, ICASSP 1982; Slaney's Auditory Toolbox),
  the cochlear front end of Torrejon et al., Nature 547, 428 (2017), from the ``lyon`` package,
  decimated to the same frame hop; compressed with ``log10(1e-4 + x)``.

Every front end uses the same hop (``hop_length`` samples) so that the reservoir sees comparable
frame rates. :func:`standardize` scales features with statistics of the training set only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import RfspinError
from ..validation import check_fields

__all__ = ["FRONTENDS", "FrontendConfig", "compute_features", "features_for", "standardize"]

FRONTENDS = ("mfcc", "spectrogram", "cochleagram")


@dataclass(frozen=True)
class FrontendConfig:
    """Front-end settings.

    name: one of :data:`FRONTENDS`; hop_length: samples between frames (128 = 16 ms at 8 kHz);
    n_fft: FFT length in samples (MFCC and spectrogram); n_mfcc: number of cepstral coefficients;
    n_mels: mel bands behind the MFCCs; spectrogram_bins: lowest STFT bins kept (of n_fft/2+1);
    ear_q: quality factor of Lyon's cochlear filters (smaller = broader, fewer channels).
    """

    name: str = "mfcc"
    hop_length: int = 128
    n_fft: int = 256
    n_mfcc: int = 13
    n_mels: int = 40
    spectrogram_bins: int = 65
    ear_q: float = 8.0

    def __post_init__(self):
        if self.name not in FRONTENDS:
            raise RfspinError(f"front end {self.name!r}: choose one of {list(FRONTENDS)}")
        check_fields(self, hop_length={"ge": 8, "le": 4096}, n_fft={"ge": 16, "le": 8192},
                     n_mfcc={"ge": 1, "le": 128}, n_mels={"ge": 4, "le": 256},
                     spectrogram_bins={"ge": 1, "le": 4097}, ear_q={"gt": 0.5, "le": 64})
        if self.n_mfcc > self.n_mels:
            raise RfspinError(f"n_mfcc = {self.n_mfcc}: must be <= n_mels = {self.n_mels}")
        if self.spectrogram_bins > self.n_fft // 2 + 1:
            raise RfspinError(f"spectrogram_bins = {self.spectrogram_bins}: must be <= n_fft/2 + 1 = "
                              f"{self.n_fft // 2 + 1}")


def compute_features(waveform: np.ndarray, sample_rate: int, config: FrontendConfig) -> np.ndarray:
    """Feature frames (frames, features) float32 of one mono waveform."""
    import librosa

    signal = np.asarray(waveform, dtype=np.float32)
    if signal.ndim != 1 or signal.size < config.hop_length:
        raise RfspinError(f"waveform of shape {signal.shape}: need a mono signal of >= {config.hop_length} samples")
    if config.name == "mfcc":
        mfcc = librosa.feature.mfcc(y=signal, sr=sample_rate, n_mfcc=config.n_mfcc, n_fft=config.n_fft,
                                    hop_length=config.hop_length, n_mels=config.n_mels)
        width = min(9, mfcc.shape[1] - (1 - mfcc.shape[1] % 2))
        delta = librosa.feature.delta(mfcc, width=width) if width >= 3 else np.zeros_like(mfcc)
        frames = np.concatenate([mfcc, delta]).T
    elif config.name == "spectrogram":
        power = np.abs(librosa.stft(signal, n_fft=config.n_fft, hop_length=config.hop_length)) ** 2
        frames = np.log10(power[: config.spectrogram_bins] + 1e-10).T
    else:
        from lyon.calc import LyonCalc

        padded = np.pad(signal.astype(np.float64), (0, (-signal.size) % config.hop_length))
        cochlea = LyonCalc().lyon_passive_ear(padded, sample_rate, decimation_factor=config.hop_length,
                                              ear_q=config.ear_q)
        frames = np.log10(1e-4 + np.maximum(cochlea, 0.0))
    return np.ascontiguousarray(frames, dtype=np.float32)


def features_for(waveforms, sample_rate: int, config: FrontendConfig, progress: bool = False) -> list[np.ndarray]:
    """:func:`compute_features` of every waveform (a list of (frames_i, features) arrays)."""
    from tqdm import tqdm

    return [compute_features(w, sample_rate, config)
            for w in tqdm(waveforms, desc=f"front end {config.name}", disable=not progress, leave=False)]


def standardize(train: list[np.ndarray], *others: list[np.ndarray]) -> tuple[list[np.ndarray], ...]:
    """Zero mean, unit variance per feature with the training frames' statistics (applied to all)."""
    stacked = np.concatenate(train)
    mean = stacked.mean(axis=0)
    std = stacked.std(axis=0) + 1e-6
    return tuple([((f - mean) / std).astype(np.float32) for f in group] for group in (train, *others))
