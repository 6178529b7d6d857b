"""Data sets as RF inputs: features are tone powers normalised to [0, 1].

- ``drone``: RF fingerprints of 10 drone/remote types, 256 spectral bins mapped to
  linspace(20, 120, 256) MHz (Basak et al., COMSNETS 2021, as prepared by Ross et al. 2023;
  CC BY 4.0, shipped in the package with its attribution: ``files/DRONE_RF_ATTRIBUTION.md``).
- ``digits``: scikit-learn's 8x8 digits (UCI), pixel values / 16 as powers on 64 tones; a
  stratified held-out split (default 30 % test, seed 0).
- ``nonlinear2d``: two interleaved moons or spirals, each coordinate min-max scaled to [0, 1]
  with the training set's range, on two tones (the 9-junction hardware demonstration's setting).
- user files: ``.npz`` or ``.h5`` with ``X`` (samples x bins), ``y``, optional ``freqs_hz``,
  optional ``X_test``/``y_test``; or the drone file's keys ``X_train``/``Y_train``/``X_test``/``Y_test``.
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ..errors import RfspinError, RfspinFileNotFoundError
from ..validation import FLOAT32_MAX

__all__ = [
    "RFDataset",
    "DRONE_CLASSES",
    "load_drone",
    "load_digits",
    "load_nonlinear2d",
    "load_spectra_file",
    "stratified_split",
]

DRONE_CLASSES = ("dx4e", "dx6i", "MTx", "Nineeg", "Parrot", "q205", "S500", "tello", "WiFi", "wltoys")
DRONE_FILE = "RadioSpin_D62_RF_fingerprinting.h5"


@dataclass
class RFDataset:
    """A classification data set encoded as normalised RF powers.

    x_*: (N, I) float32 in [0, 1] (power / input_power); y_*: (N,) int64 labels 0..C-1;
    input_frequencies: (I,) Hz, or None to let the network use its frequency plan;
    image_shape: (channels, height, width) when every row is an image flattened row-major
    (I = C*H*W; needed by convolutional networks and random shifts), else None.
    """

    name: str
    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    class_names: tuple[str, ...]
    input_frequencies: Tensor | None = None
    source: str = ""
    notes: dict = field(default_factory=dict)
    image_shape: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        if self.image_shape is not None:
            shape = tuple(self.image_shape)
            if len(shape) != 3 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in shape):
                raise RfspinError(f"{self.name}: image_shape = {self.image_shape!r}: must be "
                                  "(channels, height, width), integers >= 1")
            if shape[0] * shape[1] * shape[2] != self.x_train.shape[-1]:
                raise RfspinError(f"{self.name}: image_shape {shape} holds {shape[0] * shape[1] * shape[2]} values, "
                                  f"the rows have {self.x_train.shape[-1]} features")
            self.image_shape = shape
        for split in ("train", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if x.dim() != 2 or y.dim() != 1 or x.shape[0] != y.shape[0]:
                raise RfspinError(
                    f"{self.name}: X_{split} {tuple(x.shape)} and y_{split} {tuple(y.shape)} "
                    "must be (samples, features) and (samples,)"
                )
            if x.shape[0] == 0:
                raise RfspinError(f"{self.name}: the {split} split is empty")
            if not bool(torch.isfinite(x).all()):
                raise RfspinError(f"{self.name}: X_{split} contains NaN or inf")
            if bool((x < 0).any()):
                raise RfspinError(
                    f"{self.name}: X_{split} has negative values (min {x.min().item():.4g}); "
                    "features are RF powers and must be >= 0"
                )
        if self.x_train.shape[1] != self.x_test.shape[1]:
            raise RfspinError(f"{self.name}: train has {self.x_train.shape[1]} features, test {self.x_test.shape[1]}")
        n_cls = len(self.class_names)
        for split, y in (("train", self.y_train), ("test", self.y_test)):
            if bool((y < 0).any()) or bool((y >= n_cls).any()):
                raise RfspinError(f"{self.name}: y_{split} has labels outside 0..{n_cls - 1}")
        if self.input_frequencies is not None and self.input_frequencies.numel() != self.n_features:
            raise RfspinError(
                f"{self.name}: {self.input_frequencies.numel()} frequencies for {self.n_features} features"
            )

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


def _features(x, what: str) -> np.ndarray:
    """A 2-D float64 array of finite, non-negative, float32-safe real numbers, or the reason why not."""
    x = np.asarray(x)
    if np.iscomplexobj(x):
        raise RfspinError(f"{what}: complex values (dtype {x.dtype}); features are real RF powers")
    if x.dtype == bool or not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise RfspinError(f"{what}: dtype {x.dtype} is not a real number type; features are RF powers")
    if x.ndim != 2:
        raise RfspinError(f"{what}: must be 2-D (samples x bins), got shape {x.shape}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise RfspinError(f"{what}: shape {x.shape} has 0 rows or 0 bins")
    x = x.astype(np.float64)
    finite = np.isfinite(x)
    if not finite.all():
        raise RfspinError(f"{what}: contains {x[~finite][0]!r} (NaN or inf); RF powers must be finite")
    if (x < 0).any():
        raise RfspinError(f"{what}: has negative values (min {x.min():.4g}); features are RF powers and must be >= 0")
    if x.max() > FLOAT32_MAX:
        raise RfspinError(f"{what}: value {x.max():.4g} overflows float32 (max {FLOAT32_MAX:.4g})")
    return x


def _labels(y, what: str) -> Tensor:
    y = np.asarray(y)
    if y.ndim != 1:
        raise RfspinError(f"{what}: labels must be 1-D, got shape {y.shape}")
    if y.size == 0:
        raise RfspinError(f"{what}: 0 labels")
    if y.dtype == bool or not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating)):
        raise RfspinError(f"{what}: labels must be integers, got dtype {y.dtype}")
    if not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.isfinite(y)) or not np.all(np.equal(np.mod(y, 1), 0)):
            raise RfspinError(f"{what}: labels must be integers")
    if y.min() < 0:
        raise RfspinError(f"{what}: label {y.min()!r} is negative; labels are class indices 0..C-1")
    if y.max() >= 2**31:
        raise RfspinError(f"{what}: label {y.max()!r} is not a class index")
    return torch.as_tensor(y.astype(np.int64))


def _check_classes(y_train: Tensor, y_test: Tensor, where: str) -> int:
    """Number of classes (max label + 1), refusing one-class data and labels far beyond the data."""
    present = torch.unique(torch.cat([y_train, y_test]))
    if len(y_train) == 0:
        raise RfspinError(f"{where}: no training rows")
    if torch.unique(y_train).numel() < 2:
        raise RfspinError(f"{where}: the training labels hold a single class ({int(y_train[0])}); "
                          "a classifier needs at least 2")
    n_classes = int(present.max()) + 1
    rows = len(y_train) + len(y_test)
    if n_classes > 10 * present.numel() or n_classes > rows:
        raise RfspinError(f"{where}: label {n_classes - 1} is far beyond the data ({present.numel()} distinct "
                          f"classes in {rows} rows); labels must be class indices 0..C-1")
    return n_classes


def load_drone(path: str | Path | None = None) -> RFDataset:
    """The drone RF fingerprint set (702 train / 298 test, 256 bins, 10 classes)."""
    if path is None:
        with resources.as_file(resources.files("rfspin.data") / "files" / DRONE_FILE) as p:
            ds = load_spectra_file(p, name="drone")
    else:
        ds = load_spectra_file(path, name="drone")
    if ds.n_features != 256 or ds.n_classes != 10:
        raise RfspinError(f"drone file: expected 256 bins and 10 classes, got {ds.n_features} and {ds.n_classes}")
    ds.class_names = DRONE_CLASSES
    ds.input_frequencies = torch.linspace(20e6, 120e6, 256, dtype=torch.float64)
    ds.source = (
        "Basak et al., COMSNETS 2021 (doi:10.1109/COMSNETS51098.2021.9352891), prepared by Ross et al., "
        "Nat. Nanotechnol. 18, 1273 (2023); CC BY 4.0, Zenodo 7646236"
    )
    return ds


def stratified_split(y: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test), each class split in the same proportion."""
    if not 0 < test_fraction < 1:
        raise RfspinError(f"test_fraction = {test_fraction!r}: must be in (0, 1)")
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        n_test = max(1, int(round(test_fraction * idx.size)))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def load_digits(test_fraction: float = 0.3, seed: int = 0) -> RFDataset:
    """scikit-learn 8x8 digits (1,797 images), pixels/16 on 64 tones, stratified split."""
    from sklearn.datasets import load_digits as sk_digits

    data = sk_digits()
    x = data.data.astype(np.float32) / 16.0
    y = data.target.astype(np.int64)
    tr, te = stratified_split(y, test_fraction, seed)
    return RFDataset(
        "digits",
        torch.from_numpy(x[tr]),
        torch.from_numpy(y[tr]),
        torch.from_numpy(x[te]),
        torch.from_numpy(y[te]),
        tuple(str(i) for i in range(10)),
        source="UCI optical digits via scikit-learn (8x8, 1,797 images)",
        notes={"split": f"stratified, {test_fraction:.0%} test, seed {seed}"},
    )


def _spirals(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved Archimedean spirals (1.5 turns), the second the first rotated by pi."""
    y = (np.arange(n) % 2).astype(np.int64)
    t = np.sqrt(rng.uniform(0, 1, size=n)) * 3 * math.pi
    x = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * math.pi)
    x[y == 1] *= -1
    return x + rng.normal(scale=noise, size=x.shape), y


def load_nonlinear2d(
    kind: str = "moons", n_samples: int = 1000, noise: float = 0.1, test_fraction: float = 0.3, seed: int = 0
) -> RFDataset:
    """Two non-linearly separable classes on two RF tones."""
    if n_samples < 10:
        raise RfspinError(f"n_samples = {n_samples!r}: must be >= 10")
    rng = np.random.default_rng(seed)
    if kind == "moons":
        from sklearn.datasets import make_moons

        x, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    elif kind == "spirals":
        x, y = _spirals(n_samples, noise, rng)
    else:
        raise RfspinError(f"nonlinear2d kind = {kind!r}: must be 'moons' or 'spirals'")
    tr, te = stratified_split(y, test_fraction, seed)
    lo, hi = x[tr].min(0), x[tr].max(0)
    scale = lambda a: np.clip((a - lo) / (hi - lo), 0.0, None).astype(np.float32)  # noqa: E731
    return RFDataset(
        f"nonlinear2d-{kind}",
        torch.from_numpy(scale(x[tr])),
        torch.from_numpy(y[tr].astype(np.int64)),
        torch.from_numpy(scale(x[te])),
        torch.from_numpy(y[te].astype(np.int64)),
        ("class 0", "class 1"),
        source=f"two interleaved {kind}, {n_samples} samples, noise {noise}, seed {seed}",
        notes={"split": f"stratified, {test_fraction:.0%} test, seed {seed}"},
    )


def _read_arrays(path: Path) -> dict:
    suffix = path.suffix.lower()
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as f:
                return {k: np.asarray(f[k]) for k in f.files}
        except (OSError, ValueError, EOFError, KeyError, MemoryError, zipfile.BadZipFile) as exc:
            reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            if "allow_pickle" in reason:
                reason = "object or ragged arrays are not supported; save numeric arrays"
            raise RfspinError(f"{path}: not a readable .npz file ({reason})") from None
    if suffix in (".h5", ".hdf5"):
        import h5py

        try:
            with h5py.File(path, "r") as f:
                return {k: np.asarray(f[k]) for k in f.keys() if isinstance(f[k], h5py.Dataset)}
        except Exception as exc:  # h5py raises OSError, KeyError, TypeError ... on damaged files
            reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise RfspinError(f"{path}: not a readable HDF5 file ({reason})") from None
    raise RfspinError(f"{path}: unsupported data file type {suffix!r}; use .npz or .h5")


def load_spectra_file(
    path: str | Path, *, name: str | None = None, test_fraction: float = 0.3, seed: int = 0
) -> RFDataset:
    """A user data set of spectra (see module docstring for the keys)."""
    path = Path(path)
    if not path.is_file():
        raise RfspinFileNotFoundError(f"data file {str(path)!r} does not exist")
    arrays = _read_arrays(path)
    keys = set(arrays)
    if {"X_train", "Y_train"} <= keys:
        x, y = arrays["X_train"], arrays["Y_train"]
        xt, yt = arrays.get("X_test"), arrays.get("Y_test")
    elif {"X", "y"} <= keys:
        x, y = arrays["X"], arrays["y"]
        xt, yt = arrays.get("X_test"), arrays.get("y_test")
    else:
        raise RfspinError(f"{path}: needs keys 'X' and 'y' (or 'X_train' and 'Y_train'); found {sorted(keys)}")
    x = _features(x, f"{path}: X")
    y_t = _labels(y, f"{path}: y")
    if len(y_t) != len(x):
        raise RfspinError(f"{path}: X has {len(x)} rows but y has {len(y_t)} labels")
    notes = {}
    if (xt is None) != (yt is None):
        raise RfspinError(f"{path}: give both X_test and y_test, or neither")
    if xt is None:
        n_classes = _check_classes(y_t, y_t[:0], str(path))  # before the split: one-class data, far-off labels
        tr, te = stratified_split(y_t.numpy(), test_fraction, seed)
        x, xt, y_np = x[tr], x[te], y_t.numpy()
        y_t, yt_t = torch.from_numpy(y_np[tr]), torch.from_numpy(y_np[te])
        notes["split"] = f"stratified, {test_fraction:.0%} test, seed {seed}"
    else:
        xt = _features(xt, f"{path}: X_test")
        yt_t = _labels(yt, f"{path}: y_test")
        if len(yt_t) != len(xt):
            raise RfspinError(f"{path}: X_test has {len(xt)} rows but y_test has {len(yt_t)} labels")
        if xt.shape[1] != x.shape[1]:
            raise RfspinError(f"{path}: X has {x.shape[1]} bins, X_test {xt.shape[1]}")
        n_classes = _check_classes(y_t, yt_t, str(path))
    freqs = arrays.get("freqs_hz")
    freqs_t = None
    if freqs is not None:
        freqs = np.asarray(freqs)
        if np.iscomplexobj(freqs) or not np.issubdtype(freqs.dtype, np.number) or freqs.dtype == bool:
            raise RfspinError(f"{path}: freqs_hz has dtype {freqs.dtype}; frequencies are real numbers in Hz")
        freqs_t = torch.as_tensor(freqs.astype(np.float64)).flatten()
        if freqs_t.numel() != x.shape[1]:
            raise RfspinError(f"{path}: freqs_hz has {freqs_t.numel()} entries for {x.shape[1]} bins")
        if not bool(torch.isfinite(freqs_t).all()) or bool((freqs_t <= 0).any()) or bool((freqs_t > 1e13).any()):
            raise RfspinError(f"{path}: freqs_hz must be finite, > 0 and <= 1e13 Hz")
    return RFDataset(
        name or path.stem,
        torch.from_numpy(x.astype(np.float32)),
        y_t,
        torch.from_numpy(xt.astype(np.float32)),
        yt_t,
        tuple(str(i) for i in range(n_classes)),
        input_frequencies=freqs_t,
        source=str(path),
        notes=notes,
    )
