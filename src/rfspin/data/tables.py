"""Public tabular data sets shipped with scikit-learn, as RF tone powers (no download).

- ``wine``: 178 wines, 13 chemical measurements, 3 cultivars (UCI wine recognition).
- ``breast_cancer``: 569 tumours, 30 cell-nucleus features, 2 classes (UCI Wisconsin diagnostic).

Each feature is min-max scaled to [0, 1] with the *training* split's range (test values clipped
to [0, 1]), so a feature is the power of one tone normalised to the network's input power; the
split is stratified (default 30 % test, seed 0).
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import RfspinError
from .datasets import RFDataset, stratified_split

__all__ = ["TABLES", "load_table"]

#: Table name -> (scikit-learn loader name, source).
TABLES = {
    "wine": ("load_wine", "UCI wine recognition data via scikit-learn (178 samples, 13 features, 3 classes)"),
    "breast_cancer": ("load_breast_cancer",
                      "UCI breast cancer Wisconsin (diagnostic) via scikit-learn (569 samples, 30 features, 2 classes)"),
}


def load_table(name: str, test_fraction: float = 0.3, seed: int = 0) -> RFDataset:
    """The scikit-learn table ``name`` (one of :data:`TABLES`) as normalised tone powers."""
    if name not in TABLES:
        raise RfspinError(f"unknown table {name!r}: choose one of {sorted(TABLES)}")
    import sklearn.datasets

    loader, source = TABLES[name]
    bunch = getattr(sklearn.datasets, loader)()
    x = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.int64)
    tr, te = stratified_split(y, test_fraction, seed)
    low, high = x[tr].min(0), x[tr].max(0)
    span = np.where(high > low, high - low, 1.0)  # a constant feature becomes 0

    def scale(rows: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.clip((rows - low) / span, 0.0, 1.0).astype(np.float32))

    return RFDataset(
        name,
        scale(x[tr]),
        torch.from_numpy(y[tr]),
        scale(x[te]),
        torch.from_numpy(y[te]),
        tuple(str(c) for c in bunch.target_names),
        source=source,
        notes={"split": f"stratified, {test_fraction:.0%} test, seed {seed}",
               "scaling": "min-max per feature, training range, test clipped to [0, 1]"},
    )
