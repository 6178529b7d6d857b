"""Free Spoken Digit Dataset (FSDD) read from a folder (not shipped with rfspin).

Z. Jackson et al., *Free Spoken Digit Dataset*, github.com/Jakobovski/free-spoken-digit-dataset.
License: Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0); anything that
redistributes the recordings must keep this attribution and the same license
(:data:`FSDD_ATTRIBUTION`).

Files are ``{digit}_{speaker}_{index}.wav`` (mono, 8 kHz). Official split: index 0-4 is the test
set, 5-49 the training set (300 / 2,700 files for the full set). ``data_dir`` may be the data set
folder (with ``recordings/``) or the folder of WAVs itself.

Bad input raises :class:`~rfspin.errors.RfspinError` with one line naming the file: unreadable or
non-audio files, empty or silent recordings, a sample rate other than 8 kHz when ``resample`` is
False (resampled with librosa otherwise), multichannel audio is averaged to mono, a folder without
recordings of every digit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import RfspinError, RfspinFileNotFoundError

__all__ = ["FSDD", "FSDD_ATTRIBUTION", "FSDD_SAMPLE_RATE", "FSDD_TEST_INDICES", "load_fsdd", "read_wav"]

FSDD_ATTRIBUTION = ("Free Spoken Digit Dataset, Z. Jackson et al., github.com/Jakobovski/free-spoken-digit-dataset, "
                    "CC BY-SA 4.0")
FSDD_SAMPLE_RATE = 8000  # Hz
FSDD_TEST_INDICES = range(5)  # official split: recordings 0-4 of every digit and speaker are the test set
SILENCE_PEAK = 1e-4  # full scale: a recording whose peak stays below this is treated as silent
_NAME = re.compile(r"^(\d)_([A-Za-z]+)_(\d+)\.wav$", re.IGNORECASE)


@dataclass(frozen=True)
class FSDD:
    """Recordings and labels. ``waveforms[i]`` float32 (samples,) at ``sample_rate`` Hz, in [-1, 1]."""

    waveforms: tuple[np.ndarray, ...]
    labels: np.ndarray  # (n,) int64 digit 0-9
    speakers: tuple[str, ...]
    indices: np.ndarray  # (n,) int64 recording index within (digit, speaker)
    files: tuple[str, ...]
    sample_rate: int  # Hz

    @property
    def is_test(self) -> np.ndarray:
        """Official split: True for recordings with index 0-4."""
        return np.isin(self.indices, list(FSDD_TEST_INDICES))

    def __len__(self) -> int:
        return len(self.waveforms)


def read_wav(path: str | Path, sample_rate: int = FSDD_SAMPLE_RATE, *, resample: bool = True) -> np.ndarray:
    """One recording as float32 mono samples in [-1, 1] at ``sample_rate`` Hz (soundfile, librosa)."""
    import soundfile

    path = Path(path)
    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError, OSError) as exc:
        raise RfspinError(f"{path}: not a readable audio file ({str(exc).splitlines()[0] if str(exc) else 'unknown'})") \
            from None
    if data.size == 0:
        raise RfspinError(f"{path}: empty recording (0 samples)")
    samples = data.mean(axis=1)
    if not np.all(np.isfinite(samples)):
        raise RfspinError(f"{path}: contains NaN or infinite samples")
    if rate != sample_rate:
        if not resample:
            raise RfspinError(f"{path}: sample rate {rate} Hz, expected {sample_rate} Hz (allow resampling)")
        import librosa

        samples = librosa.resample(samples, orig_sr=rate, target_sr=sample_rate).astype(np.float32)
    if float(np.max(np.abs(samples))) < SILENCE_PEAK:
        raise RfspinError(f"{path}: silent recording (peak below {SILENCE_PEAK:g} of full scale)")
    return samples


def _recordings_folder(data_dir: Path) -> Path:
    if not data_dir.exists():
        raise RfspinFileNotFoundError(f"--data-dir {data_dir}: no such folder (FSDD: {FSDD_ATTRIBUTION})")
    if not data_dir.is_dir():
        raise RfspinError(f"--data-dir {data_dir}: not a folder")
    sub = data_dir / "recordings"
    return sub if sub.is_dir() else data_dir


def load_fsdd(data_dir: str | Path, *, resample: bool = True, per_class: int | None = None,
              speakers: tuple[str, ...] | None = None) -> FSDD:
    """All ``{digit}_{speaker}_{index}.wav`` under ``data_dir`` (or its ``recordings/``), sorted.

    ``per_class``: keep at most this many recordings per digit, test recordings first (small tests);
    ``speakers``: keep only these speakers. Every digit 0-9 must be present.
    """
    folder = _recordings_folder(Path(data_dir))
    entries = []
    for path in sorted(folder.iterdir()):
        match = _NAME.match(path.name)
        if match is None or not path.is_file():
            continue
        digit, speaker, index = int(match.group(1)), match.group(2).lower(), int(match.group(3))
        if speakers is not None and speaker not in speakers:
            continue
        entries.append((digit, index >= len(FSDD_TEST_INDICES), speaker, index, path))
    if not entries:
        raise RfspinError(f"--data-dir {data_dir}: no FSDD recordings named DIGIT_SPEAKER_INDEX.wav")
    missing = sorted(set(range(10)) - {e[0] for e in entries})
    if missing:
        raise RfspinError(f"--data-dir {data_dir}: no recordings of digit(s) {missing}; FSDD needs all of 0-9")
    entries.sort()
    if per_class is not None:
        counts: dict[int, int] = {}
        kept = []
        for entry in entries:
            if counts.get(entry[0], 0) < per_class:
                kept.append(entry)
                counts[entry[0]] = counts.get(entry[0], 0) + 1
        entries = kept
    waveforms = tuple(read_wav(e[4], resample=resample) for e in entries)
    return FSDD(
        waveforms=waveforms,
        labels=np.array([e[0] for e in entries], dtype=np.int64),
        speakers=tuple(e[2] for e in entries),
        indices=np.array([e[3] for e in entries], dtype=np.int64),
        files=tuple(e[4].name for e in entries),
        sample_rate=FSDD_SAMPLE_RATE,
    )
