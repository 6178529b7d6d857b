"""MNIST (or any IDX image set) as RF inputs: the RF MLP 784-300-10 and the RF CNN.

Tasks:
- ``mnist``: RF MLP 784-300-10 (1,084 neurons, 238,200 resonators), pixel/255 as normalised
  powers on 784 tones (geometric plan over 20-600 MHz); software baseline ``SoftwareMLP``.
- ``mnist-lecture``: the lecture-scale RF CNN (:data:`rfspin.nn.cnn.LECTURE_CNN_SPEC`: 8,536
  neurons, 6,697,920 resonators, parallel-chain convolutions) and its software twin.
- ``mnist-cnn``: RF CNN (:func:`mnist_cnn_spec`: conv 16@5x5 -> avg-pool 2 -> conv 32@5x5 ->
  avg-pool 2 -> 100 oscillators -> 10 output chains), trained on images shifted by up to 2
  pixels; software baseline ``SoftwareCNN`` of the same shape and training.

Data: ``--data-dir DIR`` holding the four standard IDX files (raw or .gz), or the
``RFSPIN_MNIST_DIR`` environment variable. Study ``leroux2022`` trains both and writes the table.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from ..data.datasets import RFDataset
from ..data.idx import IDX_FILES, load_idx_folder
from ..errors import RfspinFileNotFoundError
from ..fileio import atomic_write_json, atomic_write_text
from ..nn.cnn import LECTURE_CNN_SPEC, RFCNN, CNNSpec, SoftwareCNN
from ..nn.network import SpecFields
from ..nn.operating_point import set_operating_points_
from ..physics.params import ROSS2023_RESONATOR
from ..train.trainer import TrainConfig
from .registry import Task, register_task
from .reproduce import register_study
from .run import run_training
from .run_config import RunConfig

__all__ = ["load_mnist", "resolve_data_dir", "MNIST_DIR_ENV", "reproduce_leroux2022", "mnist_cnn_spec",
           "lecture_cnn_spec", "build_lecture_cnn"]

MNIST_DIR_ENV = "RFSPIN_MNIST_DIR"


def resolve_data_dir(data_dir: str | Path | None) -> Path:
    """``data_dir``, else $RFSPIN_MNIST_DIR; FileNotFoundError naming the expected files."""
    if data_dir is None:
        env = os.environ.get(MNIST_DIR_ENV)
        if not env:
            files = ", ".join(f"{s}[.gz]" for s in IDX_FILES.values())
            raise RfspinFileNotFoundError(
                f"MNIST data not given: pass --data-dir DIR (or set {MNIST_DIR_ENV}) where DIR holds {files}"
            )
        data_dir = env
    return Path(data_dir)


def load_mnist(seed: int = 0, data_dir: str | Path | None = None, *, n_classes: int = 10) -> RFDataset:
    """An IDX image folder as RF powers: pixel/255 in [0, 1], images flattened row-major.

    ``seed`` is unused (the IDX files fix the split); ``image_shape`` is (1, H, W). Any IDX
    set of the same layout works (Fashion-MNIST, KMNIST ...); give ``n_classes`` for sets with
    other than 10 classes (e.g. a task with ``functools.partial(load_mnist, n_classes=47)``).
    """
    folder = resolve_data_dir(data_dir)
    arrays = load_idx_folder(folder, n_classes=n_classes)
    shape = arrays["x_train"].shape[1:]

    def powers(images: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255.0))

    return RFDataset(
        "mnist",
        powers(arrays["x_train"]),
        torch.from_numpy(arrays["y_train"].astype(np.int64)),
        powers(arrays["x_test"]),
        torch.from_numpy(arrays["y_test"].astype(np.int64)),
        tuple(str(i) for i in range(n_classes)),
        source=f"IDX files in {folder}",
        notes={"encoding": "pixel/255 x input_power per tone"},
        image_shape=(1, int(shape[0]), int(shape[1])),
    )


# Signal levels of the mnist-cnn network (CNNSpec defaults: stage attenuation 3e-2, readout 10 mV),
# with every neuron-feeding chain's bias set so its neurons start mid-window (set_operating_points_):
# chain-voltage swings of about +-1.5 mV (5-95 %) at every stage. Measured on 20,000 training images,
# 3 epochs (loss / accuracy on 2,000 test images): centred, attenuation 3e-2: 0.083 / 96.6 %;
# centred, 1e-2: 0.111 / 95.5 %; biases at 0, 1e-2: 0.158 / 94.5 % (the hidden neurons start
# clamped; on full MNIST with shifts it did not learn: 10 % after 2 epochs); biases at 0, 1e-3:
# 0.429 / 87.1 %; no hidden layer, 1e-2: 0.152 / 94.1 % (docs/mnist.md).

#: Training images whose mean chain voltages set the operating points.
OPERATING_POINT_SAMPLES = 1000


def mnist_cnn_spec(hidden: tuple[int, ...] = (100,), image_shape: tuple[int, int, int] = (1, 28, 28),
                   n_classes: int = 10) -> CNNSpec:
    """The ``mnist-cnn`` task's network (conv 16@5x5 -> pool 2 -> conv 32@5x5 -> pool 2 -> hidden -> classes)."""
    return CNNSpec(image_shape=tuple(image_shape), hidden=tuple(hidden), n_classes=n_classes)


def _cnn_spec(data: RFDataset, hidden: tuple[int, ...]) -> CNNSpec:
    return mnist_cnn_spec(hidden, data.image_shape or (1, 28, 28), data.n_classes)


def build_rf_cnn(data: RFDataset, hidden: tuple[int, ...], seed: int) -> RFCNN:
    model = RFCNN(_cnn_spec(data, hidden), generator=torch.Generator().manual_seed(seed))
    set_operating_points_(model, data.x_train[:OPERATING_POINT_SAMPLES])
    return model


def build_software_cnn(data: RFDataset, hidden: tuple[int, ...], seed: int) -> SoftwareCNN:
    return SoftwareCNN(_cnn_spec(data, hidden), generator=torch.Generator().manual_seed(seed))


def lecture_cnn_spec(data: RFDataset, hidden: tuple[int, ...] = ()) -> CNNSpec:
    """The ``mnist-lecture`` network for ``data``'s image shape and classes (``hidden``: extra dense layers)."""
    return replace(LECTURE_CNN_SPEC, image_shape=tuple(data.image_shape or (1, 28, 28)), hidden=tuple(hidden),
                   n_classes=data.n_classes)


def build_lecture_cnn(data: RFDataset, hidden: tuple[int, ...], seed: int) -> RFCNN:
    model = RFCNN(lecture_cnn_spec(data, hidden), generator=torch.Generator().manual_seed(seed))
    set_operating_points_(model, data.x_train[:OPERATING_POINT_SAMPLES])
    return model


def build_lecture_software_cnn(data: RFDataset, hidden: tuple[int, ...], seed: int) -> SoftwareCNN:
    return SoftwareCNN(lecture_cnn_spec(data, hidden), generator=torch.Generator().manual_seed(seed))


#: The Ross 2023 resonator with a tuning band up to 800 MHz (the MNIST input plan spans 20-600 MHz).
MNIST_RESONATOR = replace(ROSS2023_RESONATOR, max_resonance_frequency=800e6)

LEROUX2022_REFERENCE = (
    "Leroux et al., Neuromorph. Comput. Eng. 2, 034002 (2022): RF CNN matches the software CNN on MNIST; "
    "lecture: MLP 1,084 neurons + 238,000 synapses, CNN 8,576 neurons + 6.7 M synapses"
)

register_task(
    Task(
        "mnist",
        load_mnist,
        hidden=(300,),
        # The exact-crosstalk weight build (300 x 784 x 784) costs the same at any batch size.
        # Random shifts of up to 1 pixel (software MLP: 97.96 % -> 98.47 % at 25 epochs; 2 pixels 98.08 %).
        rf_config=TrainConfig(epochs=20, batch_size=1000, learning_rate=0.05, max_shift=1),
        baseline_config=TrainConfig(epochs=20, batch_size=1000, learning_rate=0.002, max_shift=1),
        # 784 tones in 20-120 MHz put up to 10 tones inside one linewidth (alpha = 1 %) and tie the
        # weights of neighbouring pixels (5 epochs: 95.6 %); a geometric 20-600 MHz plan keeps
        # spacing / linewidth at 0.43 everywhere (5 epochs: 97.1 %). Devices must tune to 800 MHz.
        spec=SpecFields(input_power=2e-8, readout_scale=2e-2, plan="geometric", max_frequency=600e6,
                        resonator=MNIST_RESONATOR),
        reference=LEROUX2022_REFERENCE,
    )
)
register_task(
    Task(
        "mnist-cnn",
        load_mnist,
        # A 100-oscillator dense layer and random shifts of up to 2 pixels: the software twin of the
        # bare conv stack stops at 99.0 % (with 16/32 or 32/64 channels), with both it reaches 99.36 % (20 epochs).
        hidden=(100,),
        rf_config=TrainConfig(epochs=20, batch_size=250, learning_rate=0.05, max_shift=2),
        baseline_config=TrainConfig(epochs=20, batch_size=250, learning_rate=0.003, max_shift=2),
        reference=LEROUX2022_REFERENCE,
        build=build_rf_cnn,
        build_baseline=build_software_cnn,
    )
)
register_task(
    Task(
        "mnist-lecture",
        load_mnist,
        hidden=(),
        # The weight build (48 chains x 600 x 600 and 10 x 2,352 x 2,352 lineshape terms) costs the
        # same at any batch size: large batches, few steps.
        rf_config=TrainConfig(epochs=10, batch_size=500, learning_rate=0.05),
        baseline_config=TrainConfig(epochs=10, batch_size=500, learning_rate=0.003),
        reference=LEROUX2022_REFERENCE,
        build=build_lecture_cnn,
        build_baseline=build_lecture_software_cnn,
    )
)


def _epoch_time(history: list[dict]) -> float:
    return statistics.median(h["time_s"] for h in history) if history else float("nan")


@register_study("leroux2022")
def reproduce_leroux2022(out_dir: str | Path, seeds: int = 1, epochs: int | None = None, progress: bool = True,
                         data_dir: str | Path | None = None, device: str = "auto") -> dict:
    """RF MLP 784-300-10 and RF CNN on full MNIST, each with its software baseline.

    Run folders ``mnist-seedS`` / ``mnist-cnn-seedS`` that already hold a finished checkpoint of
    the same configuration are resumed (nothing retrained), so the runs may be made beforehand
    with ``rfspin train --task mnist[-cnn] --baseline --out OUT/mnist[-cnn]-seedS``.
    """
    out = Path(out_dir)
    folder = resolve_data_dir(data_dir)
    rows = []
    for name in ("mnist", "mnist-cnn"):
        for seed in range(seeds):
            run = out / f"{name}-seed{seed}"
            resume = (run / "checkpoint.pt").is_file() and (run / "baseline.pt").is_file()
            m = run_training(RunConfig(name, run, seed=seed, epochs=epochs, baseline=True, resume=resume,
                                       progress=progress, plots=False, data_dir=folder, device=device))
            rows.append(m)
            print(f"{name} seed {seed}: RF {100 * m['test_accuracy']:.2f} %, "
                  f"software {100 * m['baseline_test_accuracy']:.2f} %")
    lines = [
        "| network | epochs | neurons | resonators (synapses) | RF test acc. (%) | software test acc. (%) "
        "| RF s/epoch (median) | software s/epoch (median) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in rows:
        lines.append(
            f"| {m['task']} {'-'.join(map(str, m['sizes']))} (seed {m['seed']}) | {m['epochs']} | {m['n_neurons']:,} "
            f"| {m['n_synapses']:,} | {100 * m['test_accuracy']:.2f} | {100 * m['baseline_test_accuracy']:.2f} "
            f"| {_epoch_time(m['history']):.0f} | {_epoch_time(m['baseline_history']):.0f} |"
        )
    md = "\n".join(lines)
    result = {"study": "leroux2022", "seeds": seeds, "rows": rows, "markdown": md, "data_dir": str(folder)}
    atomic_write_json(out / "reproduce.json", result)
    atomic_write_text(out / "table.md", md + "\n")
    return result
