"""Spoken digits with one oscillator (Torrejon et al., Nature 547, 428 (2017)) on FSDD.

:func:`run_reservoir_task` runs, on the official FSDD split (index 0-4 test, 5-49 train), for one
front end: the oscillator reservoir, the same ridge readout on the front end's features alone,
and a software echo-state network with the same number of nodes. The input scaling of the
oscillator is chosen by cross-validation on the training set (grid ``input_scalings``), the ridge
regulariser of every readout likewise; the test set is used once, at the end.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from ..data.fsdd import FSDD_ATTRIBUTION, load_fsdd
from ..device import make_generator, resolve_device
from ..dynamics.oscillator_params import OSCILLATOR_PRESETS
from ..errors import RfspinError
from ..fileio import atomic_write_json, atomic_write_text, clean_stale_temp_files
from ..oscillatory.esn import EchoStateConfig, run_echo_state
from ..oscillatory.frontends import FRONTENDS, FrontendConfig, features_for, standardize
from ..oscillatory.readout import fit_ridge_readout
from ..oscillatory.reservoir import (
    ReservoirConfig,
    operating_rate,
    reservoir_trace,
    run_reservoir,
)
from ..validation import check_number
from .reproduce import _pct, register_study

__all__ = ["ReservoirTaskConfig", "prepare_features", "run_reservoir_task"]

CLASSES = 10


@dataclass(frozen=True)
class ReservoirTaskConfig:
    """One reservoir run: data folder, front end, reservoir, oscillator preset, CV grid, output."""

    data_dir: Path
    out_dir: Path | None = None
    frontend: str = "mfcc"
    reservoir: ReservoirConfig = field(default_factory=ReservoirConfig)
    preset: str = "torrejon2017"
    input_scalings: tuple[float, ...] = (0.25, 0.5, 1.0)
    esn: bool = True
    seed: int = 0
    device: str = "auto"
    progress: bool = True
    per_class: int | None = None  # keep at most this many recordings per digit (tests)
    plots: bool = True

    def __post_init__(self) -> None:
        if self.frontend not in FRONTENDS:
            raise RfspinError(f"--frontend {self.frontend!r}: choose one of {list(FRONTENDS)}")
        if self.preset not in OSCILLATOR_PRESETS:
            raise RfspinError(f"--preset {self.preset!r}: choose one of {sorted(OSCILLATOR_PRESETS)}")
        if not self.input_scalings:
            raise RfspinError("input_scalings: need at least one value")
        for s in self.input_scalings:
            check_number(s, "input scaling", gt=0.0, le=100.0)
        check_number(self.seed, "--seed", ge=0, integer=True)


def prepare_features(data, frontend: str, progress: bool = False):
    """Standardised (train, test) feature lists and labels of the official split."""
    feats = features_for(data.waveforms, data.sample_rate, FrontendConfig(name=frontend), progress=progress)
    test = data.is_test
    if test.all() or not test.any():
        raise RfspinError("FSDD: the official split needs recordings with index 0-4 (test) and 5-49 (train)")
    train_idx, test_idx = np.where(~test)[0], np.where(test)[0]
    train, test_f = standardize([feats[i] for i in train_idx], [feats[i] for i in test_idx])
    return train, test_f, data.labels[train_idx], data.labels[test_idx]


def _confusion(true, pred) -> list[list[int]]:
    m = np.zeros((CLASSES, CLASSES), dtype=np.int64)
    np.add.at(m, (np.asarray(true), np.asarray(pred)), 1)
    return m.tolist()


def run_reservoir_task(config: ReservoirTaskConfig) -> dict:
    """Run everything, write ``out_dir`` (metrics.json + PNGs) if given, return the metrics."""
    device = resolve_device(config.device)
    params = OSCILLATOR_PRESETS[config.preset]
    theta = config.reservoir.node_time(params)  # validates before any work
    data = load_fsdd(config.data_dir, per_class=config.per_class)
    t0 = time.perf_counter()
    train, test, y_train, y_test = prepare_features(data, config.frontend, config.progress)
    t_frontend = time.perf_counter() - t0

    # features alone
    plain = fit_ridge_readout(train, y_train, CLASSES, seed=config.seed)
    plain_pred = plain.predict(test)

    # oscillator: input scaling by CV on the training set only
    candidates = []
    t0 = time.perf_counter()
    for s in config.input_scalings:
        res = replace(config.reservoir, input_scaling=s, seed=config.seed)
        states = run_reservoir(train + test, params, res, generator=make_generator("cpu", config.seed),
                               device=device, progress=config.progress)
        readout = fit_ridge_readout(states[: len(train)], y_train, CLASSES, seed=config.seed)
        candidates.append((readout.cv_accuracy, s, res, readout, states))
    t_osc = time.perf_counter() - t0
    best = max(candidates, key=lambda c: c[0])
    _, scaling, res, readout, states = best
    osc_pred = readout.predict(states[len(train):])

    metrics = {
        "task": "fsdd-reservoir",
        "frontend": config.frontend,
        "test_accuracy": float(np.mean(osc_pred == y_test)),
        "train_accuracy": readout.accuracy(states[: len(train)], y_train),
        "cv_accuracy": readout.cv_accuracy,
        "features_only_accuracy": float(np.mean(plain_pred == y_test)),
        "features_only_train_accuracy": plain.accuracy(train, y_train),
        "input_scaling_cv": {str(c[1]): c[0] for c in candidates},
        "input_scaling": scaling,
        "ridge_alpha": readout.alpha,
        "confusion_matrix": _confusion(y_test, osc_pred),
        "seconds": {"frontend": t_frontend, "oscillator_all_scalings": t_osc},
    }
    metrics["gain_over_features"] = metrics["test_accuracy"] - metrics["features_only_accuracy"]
    if config.esn:
        t0 = time.perf_counter()
        esn_states = run_echo_state(train + test, EchoStateConfig(nodes=res.nodes, seed=config.seed))
        esn = fit_ridge_readout(esn_states[: len(train)], y_train, CLASSES, seed=config.seed)
        metrics["baseline_test_accuracy"] = esn.accuracy(esn_states[len(train):], y_test)
        metrics["baseline_train_accuracy"] = esn.accuracy(esn_states[: len(train)], y_train)
        metrics["seconds"]["esn"] = time.perf_counter() - t0
    metrics["protocol"] = {
        "data": f"FSDD ({FSDD_ATTRIBUTION}), official split: index 0-4 test, 5-49 train",
        "train_utterances": len(train), "test_utterances": len(test),
        "frontend": asdict(FrontendConfig(name=config.frontend)),
        "standardisation": "per feature, training-set mean and std",
        "reservoir": asdict(res), "theta_s": theta,
        "operating_relaxation_rate_per_s": operating_rate(params, res.bias_current_ratio),
        "oscillator_preset": config.preset, "oscillator": asdict(params),
        "readout": "ridge (intercept) on frame states, one-hot targets; class = argmax of frame-summed output; "
                   "alpha by 5-fold CV over training utterances",
        "input_scaling_selection": f"5-fold CV accuracy on the training set over {list(config.input_scalings)}",
        "baseline": f"leaky echo-state network, {asdict(EchoStateConfig(nodes=res.nodes, seed=config.seed))}",
        "seed": config.seed, "device": str(device),
    }
    if config.out_dir is not None:
        _write(config, metrics, test, res, params)
    return metrics


def _write(config: ReservoirTaskConfig, metrics: dict, test, res: ReservoirConfig, params) -> None:
    out = Path(config.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clean_stale_temp_files(out)
    if config.plots:
        from ..plotting.oscillatory import (
            plot_confusion_matrix,
            plot_reservoir_response,
        )

        plot_confusion_matrix(np.array(metrics["confusion_matrix"]), out / "confusion_matrix.png",
                              title=f"FSDD test, oscillator reservoir ({config.frontend})")
        trace = reservoir_trace(test[0], params, res, generator=make_generator("cpu", config.seed))
        plot_reservoir_response(trace, out / "oscillator_response.png", frames=3)
    atomic_write_json(out / "metrics.json", metrics)


@register_study("torrejon2017")
def reproduce_torrejon2017(out_dir: str | Path, seeds: int = 1, epochs: int | None = None, progress: bool = True,
                           device: str = "auto", data_dir: str | Path | None = None) -> dict:
    """FSDD (official split): front end x {oscillator, features only, echo-state network}, ``seeds`` seeds
    (mask, noise, CV folds and ESN weights change with the seed; the split does not)."""
    if data_dir is None:
        raise RfspinError("study torrejon2017 reads FSDD from a folder: give --data-dir")
    if epochs is not None:
        raise RfspinError("study torrejon2017 has no epochs (ridge readouts): --epochs does not apply")
    out = Path(out_dir)
    runs = {name: [] for name in FRONTENDS}
    for name in FRONTENDS:
        for seed in range(seeds):
            m = run_reservoir_task(ReservoirTaskConfig(data_dir=Path(data_dir), out_dir=out / f"{name}-seed{seed}",
                                                       frontend=name, seed=seed, device=device, progress=progress,
                                                       plots=seed == 0))
            runs[name].append(m)
            print(f"{name} seed {seed}: oscillator {100 * m['test_accuracy']:.2f} %, features alone "
                  f"{100 * m['features_only_accuracy']:.2f} %, ESN {100 * m['baseline_test_accuracy']:.2f} %")
    header = (f"| front end (FSDD official split, {seeds} seed(s)) | oscillator reservoir (%) | features only (%) | "
              "gain (points) | echo-state network (%) |")
    lines = [header, "|---|---|---|---|---|"]
    rows = []
    for name in FRONTENDS:
        osc = [m["test_accuracy"] for m in runs[name]]
        plain = [m["features_only_accuracy"] for m in runs[name]]
        esn = [m["baseline_test_accuracy"] for m in runs[name]]
        gain = [a - b for a, b in zip(osc, plain)]
        rows.append({"frontend": name, "oscillator": osc, "features_only": plain, "esn": esn, "gain": gain})
        lines.append(f"| {name} | {_pct(osc)} | {_pct(plain)} | {_pct(gain)} | {_pct(esn)} |")
    md = "\n".join(lines)
    result = {"study": "torrejon2017", "seeds": seeds, "rows": rows, "markdown": md,
              "paper": "Torrejon et al. 2017: 99.6 % on TI-46 digits with a cochlear front end"}
    atomic_write_json(out / "reproduce.json", result)
    atomic_write_text(out / "table.md", md + "\n")
    return result
