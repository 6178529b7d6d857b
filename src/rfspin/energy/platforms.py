"""Published MNIST platforms (Goltz et al., Nat. Mach. Intell. 3, 823 (2021), Table 1, as shown
in the lecture): energy per classification, classifications per second, test accuracy.

The table ships as ``rfspin/data/files/platforms_goltz2021.csv`` (one row per platform, with its
source); users may pass their own CSV with the same columns.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import RfspinError, RfspinFileNotFoundError

__all__ = ["Platform", "load_platforms", "PLATFORMS_FILE", "PLATFORM_COLUMNS"]

PLATFORMS_FILE = "platforms_goltz2021.csv"
PLATFORM_COLUMNS = ("platform", "type", "technology", "network", "energy_per_classification_j",
                    "classifications_per_s", "test_accuracy_percent", "source")


@dataclass(frozen=True)
class Platform:
    """One published platform. energy_per_classification_j [J], classifications_per_s [1/s],
    test_accuracy_percent [%]."""

    platform: str
    type: str
    technology: str
    network: str
    energy_per_classification_j: float
    classifications_per_s: float
    test_accuracy_percent: float
    source: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.energy_per_classification_j) and self.energy_per_classification_j > 0):
            raise RfspinError(f"platform {self.platform!r}: energy_per_classification_j = "
                             f"{self.energy_per_classification_j!r} must be a finite number > 0")
        if not 0 <= self.test_accuracy_percent <= 100:
            raise RfspinError(f"platform {self.platform!r}: test_accuracy_percent = "
                             f"{self.test_accuracy_percent!r} must be in [0, 100]")

    @property
    def label(self) -> str:
        return f"{self.platform} ({self.technology})"


def load_platforms(path: str | Path | None = None) -> list[Platform]:
    """Rows of the platform CSV (default: the packaged Goltz et al. 2021 table)."""
    if path is None:
        text = (resources.files("rfspin.data") / "files" / PLATFORMS_FILE).read_text(encoding="utf-8")
        where = PLATFORMS_FILE
    else:
        path = Path(path)
        if not path.is_file():
            raise RfspinFileNotFoundError(f"platform table {str(path)!r} does not exist")
        text, where = path.read_text(encoding="utf-8"), str(path)
    rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        raise RfspinError(f"platform table {where}: no rows")
    missing = [c for c in PLATFORM_COLUMNS if c not in rows[0]]
    if missing:
        raise RfspinError(f"platform table {where}: missing columns {missing}")
    out = []
    for n, row in enumerate(rows, start=2):
        try:
            out.append(Platform(
                platform=row["platform"], type=row["type"], technology=row["technology"], network=row["network"],
                energy_per_classification_j=float(row["energy_per_classification_j"]),
                classifications_per_s=float(row["classifications_per_s"]),
                test_accuracy_percent=float(row["test_accuracy_percent"]), source=row["source"],
            ))
        except ValueError as exc:
            raise RfspinError(f"platform table {where}, line {n}: {exc}") from None
    return out
