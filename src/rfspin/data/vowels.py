"""Hillenbrand et al. (1995) vowel formants, read from a folder (``vowdata.dat``).

J. Hillenbrand, L. A. Getty, M. J. Clark, K. Wheeler, "Acoustic characteristics of American
English vowels", J. Acoust. Soc. Am. 97, 3099 (1995); data (c) 1995 James Hillenbrand, distributed
publicly for research (cite the paper). Rows: ``{group}{talker:2}{vowel:2}`` (group m/w/b/g =
man/woman/boy/girl) then 15 numbers: duration (ms), f0, F1-F4 at the steady state, F1-F3 at 20, 50
and 80 % of the vowel (Hz; 0 = not measurable).

:func:`load_vowels` keeps the steady-state F1, F2 of the chosen groups and vowels; tokens whose F1
or F2 was not measurable are dropped (counted in ``dropped``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import RfspinError, RfspinFileNotFoundError

__all__ = ["VOWELS", "VOWEL_WORDS", "VowelData", "load_vowels", "talker_split"]

VOWEL_WORDS = {"ae": "had", "ah": "hod", "aw": "hawed", "eh": "head", "er": "heard", "ei": "haid", "ih": "hid",
               "iy": "heed", "oa": "boat", "oo": "hood", "uh": "hud", "uw": "who'd"}
VOWELS = tuple(VOWEL_WORDS)
GROUPS = {"m": "man", "w": "woman", "b": "boy", "g": "girl"}
_ROW = re.compile(r"^([mwbg])(\d\d)([a-z]{2})$")


@dataclass(frozen=True)
class VowelData:
    """Tokens: formants (n, 2) float64 [F1, F2] in Hz, labels (n,) index into ``vowels``,
    talkers (n,) like "w01", the source line of each token, and how many tokens were dropped."""

    formants: np.ndarray
    labels: np.ndarray
    talkers: tuple[str, ...]
    vowels: tuple[str, ...]
    dropped: int

    def __len__(self) -> int:
        return len(self.labels)


def _file(data_dir: Path) -> Path:
    path = data_dir / "vowdata.dat" if data_dir.is_dir() else data_dir
    if not path.exists():
        raise RfspinFileNotFoundError(f"--data-dir {data_dir}: no vowdata.dat (Hillenbrand 1995 formants)")
    return path


def load_vowels(data_dir: str | Path, *, vowels: tuple[str, ...] = VOWELS, groups: str = "mwbg") -> VowelData:
    """Steady-state (F1, F2) of ``vowels`` spoken by ``groups`` (letters of "mwbg")."""
    unknown = [v for v in vowels if v not in VOWEL_WORDS]
    if unknown or not vowels:
        raise RfspinError(f"vowels {unknown or list(vowels)}: choose from {list(VOWELS)}")
    if not groups or set(groups) - set(GROUPS):
        raise RfspinError(f"groups {groups!r}: letters of 'mwbg' (man, woman, boy, girl)")
    path = _file(Path(data_dir))
    try:
        lines = path.read_text(encoding="ascii", errors="strict").splitlines()
    except (UnicodeDecodeError, OSError) as exc:
        raise RfspinError(f"{path}: not a readable text file ({type(exc).__name__})") from None
    formants, labels, talkers, dropped, rows = [], [], [], 0, 0
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if not fields:
            continue
        match = _ROW.match(fields[0])
        if match is None:
            continue  # header and notes
        rows += 1
        if len(fields) != 16:
            raise RfspinError(f"{path}:{number}: {len(fields)} columns, expected 16 (name + 15 numbers)")
        try:
            values = [float(x) for x in fields[1:]]
        except ValueError:
            raise RfspinError(f"{path}:{number}: non-numeric value in {fields[1:]}") from None
        group, talker, vowel = match.groups()
        if group not in groups or vowel not in vowels:
            continue
        f1, f2 = values[2], values[3]
        if f1 <= 0 or f2 <= 0 or not np.isfinite([f1, f2]).all():
            dropped += 1
            continue
        formants.append((f1, f2))
        labels.append(vowels.index(vowel))
        talkers.append(group + talker)
    if rows == 0:
        raise RfspinError(f"{path}: no vowel rows (expected lines like 'w01ae 323 174 663 2012 ...')")
    missing = sorted(set(vowels) - {vowels[i] for i in labels})
    if missing:
        raise RfspinError(f"{path}: no measurable tokens of vowel(s) {missing} for groups {groups!r}")
    return VowelData(formants=np.array(formants, dtype=np.float64), labels=np.array(labels, dtype=np.int64),
                     talkers=tuple(talkers), vowels=tuple(vowels), dropped=dropped)


def talker_split(data: VowelData, test_fraction: float = 1 / 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Boolean (train, test) masks with disjoint talkers: a seeded ``test_fraction`` of the talkers."""
    if not 0 < test_fraction < 1:
        raise RfspinError(f"test_fraction = {test_fraction!r}: must be in (0, 1)")
    names = sorted(set(data.talkers))
    if len(names) < 2:
        raise RfspinError(f"talker_split: {len(names)} talker(s); need >= 2 for a talker-disjoint split")
    order = np.random.default_rng(seed).permutation(len(names))
    n_test = min(len(names) - 1, max(1, round(test_fraction * len(names))))
    test_names = {names[i] for i in order[:n_test]}
    test = np.array([t in test_names for t in data.talkers])
    return ~test, test
