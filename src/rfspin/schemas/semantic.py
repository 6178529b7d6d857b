"""Checks a JSON schema cannot express, run right after :func:`rfspin.schemas.validate`.

Sizes against layer shapes (J x K matrices, vectors of length J, I or N), the alternation of
layer types, band membership of every programmed resonance frequency, consistency between the
tones a chain listens to and the oscillators that emit them, and bookkeeping (history epochs,
epoch ranges). Every function takes a document that already passed its schema.
"""

from __future__ import annotations

import numpy as np

from ..errors import RfspinError

__all__ = [
    "check_chip_program",
    "check_devices",
    "check_history",
    "check_checkpoint_bookkeeping",
    "validate_run_metrics",
]

_CHAIN_MATRICES = ("resonance_frequency_hz", "sensitivity_v_per_w", "damping", "antisymmetric_weight",
                   "symmetric_weight")
_OSCILLATOR_VECTORS = ("frequency_hz", "transconductance_a_per_v", "bias_voltage_v", "threshold_current_a",
                       "nonlinear_damping", "resistance_ohm", "magnetoresistance_ratio", "spin_polarization",
                       "max_current_ratio", "power_prefactor", "nonlinear_frequency_shift_hz")


def _need(cond: bool, what: str, message: str) -> None:
    if not cond:
        raise RfspinError(f"{what}: {message}")


def _check_chain_layer(layer: dict, at: str, n_in: int, n_out: int, what: str) -> None:
    _need(layer["n_chains"] == n_out, what, f"{at}.n_chains = {layer['n_chains']}: sizes say {n_out}")
    _need(len(layer["tone_frequencies_hz"]) == n_in, what,
          f"{at}.tone_frequencies_hz has {len(layer['tone_frequencies_hz'])} entries: sizes say {n_in} inputs")
    k = layer["n_resonators_per_chain"]
    _need(k == n_in, what, f"{at}.n_resonators_per_chain = {k}: must equal the {n_in} input tones "
                           "(one resonator anchored on each tone)")
    for key in ("anchor_frequencies_hz", "signs"):
        _need(len(layer[key]) == k, what, f"{at}.{key} has {len(layer[key])} entries, expected {k}")
    for key in _CHAIN_MATRICES:
        rows = layer[key]
        _need(len(rows) == n_out, what, f"{at}.{key} has {len(rows)} rows, expected {n_out} (J chains)")
        for j, row in enumerate(rows):
            _need(len(row) == k, what, f"{at}.{key}[{j}] has {len(row)} entries, expected {k} (K resonators)")
    _need(len(layer["bias_voltage_v"]) == n_out, what,
          f"{at}.bias_voltage_v has {len(layer['bias_voltage_v'])} entries, expected {n_out}")
    lo, hi = layer["tuning_band_hz"]
    _need(lo < hi, what, f"{at}.tuning_band_hz = [{lo!r}, {hi!r}]: the lower edge must be below the upper")
    for key in ("resonance_frequency_hz", "anchor_frequencies_hz"):
        values = np.asarray(layer[key], dtype=np.float64).ravel()
        outside = (values < lo) | (values > hi)
        if outside.any():
            raise RfspinError(f"{what}: {at}.{key}: resonance frequency {float(values[outside][0])!r} Hz outside "
                              f"the tuning band [{lo:.6g}, {hi:.6g}] Hz")
    dead = (np.asarray(layer["antisymmetric_weight"]) == 0) & (np.asarray(layer["symmetric_weight"]) == 0)
    if dead.any():
        j, k = (int(i) for i in np.argwhere(dead)[0])
        raise RfspinError(f"{what}: {at}: resonator [{j}][{k}] has antisymmetric_weight = symmetric_weight = 0 "
                          "(it would rectify nothing)")


def check_chip_program(program: dict, what: str) -> None:
    """Layer structure, shapes and bands of a chip program that passed ``chip_program.json``."""
    sizes = program["sizes"]
    layers = program["layers"]
    _need(list(program["spec"]["sizes"]) == list(sizes), what,
          f"spec.sizes = {program['spec']['sizes']} differs from sizes = {sizes}")
    expected = []
    for depth in range(len(sizes) - 1):
        expected.append("resonator_chains")
        if depth < len(sizes) - 2:
            expected.append("oscillators")
    _need(len(layers) == len(expected), what,
          f"{len(layers)} layers for sizes {sizes}: expected {len(expected)} (chains and oscillators alternating)")
    inputs = program["input"]["frequencies_hz"]
    _need(len(inputs) == sizes[0], what, f"input.frequencies_hz has {len(inputs)} entries, sizes[0] = {sizes[0]}")
    spec_inputs = program["spec"].get("input_frequencies") or []
    _need(not spec_inputs or len(spec_inputs) == sizes[0], what,
          f"spec.input_frequencies has {len(spec_inputs)} entries, sizes[0] = {sizes[0]}")
    previous_tones = inputs
    for li, (layer, kind) in enumerate(zip(layers, expected)):
        at = f"layers[{li}]"
        _need(layer["type"] == kind, what, f"{at}.type = {layer['type']!r}: expected {kind!r} at this position")
        depth = li // 2
        if kind == "resonator_chains":
            _check_chain_layer(layer, at, sizes[depth], sizes[depth + 1], what)
            _need(list(layer["tone_frequencies_hz"]) == list(previous_tones), what,
                  f"{at}.tone_frequencies_hz differ from the tones of the previous stage "
                  f"({'input.frequencies_hz' if li == 0 else f'layers[{li - 1}].frequency_hz'})")
        else:
            n = sizes[depth + 1]
            _need(layer["n_neurons"] == n, what, f"{at}.n_neurons = {layer['n_neurons']}: sizes say {n}")
            for key in _OSCILLATOR_VECTORS:
                _need(len(layer[key]) == n, what, f"{at}.{key} has {len(layer[key])} entries, expected {n}")
            previous_tones = layer["frequency_hz"]


def check_devices(devices: dict, what: str) -> None:
    """Each resonator entry rectifies something (a_A and a_S not both 0)."""
    for n, entry in enumerate(devices.get("resonators", [])):
        _need(entry["antisymmetric_weight"] != 0 or entry["symmetric_weight"] != 0, what,
              f"resonators[{n}]: antisymmetric_weight = symmetric_weight = 0 (the device would rectify nothing)")


def check_history(history: list, what: str, key: str = "history") -> None:
    """Epoch records numbered 1, 2, 3 ... in order."""
    for n, record in enumerate(history):
        _need(record["epoch"] == n + 1, what, f"{key}[{n}].epoch = {record['epoch']}: expected {n + 1}")


def check_checkpoint_bookkeeping(skeleton: dict, what: str) -> None:
    """Epoch within the configured epochs, one history record per finished epoch."""
    if "epoch" not in skeleton:
        return
    epoch, history = skeleton["epoch"], skeleton["history"]
    if "train_config" in skeleton:  # resumable checkpoints; binary-synapse runs keep only the history
        planned = skeleton["train_config"]["epochs"]
        _need(epoch <= planned, what, f"epoch = {epoch}: beyond train_config.epochs = {planned}")
    _need(len(history) == epoch, what, f"history has {len(history)} records for epoch = {epoch}")
    check_history(history, what)


def validate_run_metrics(metrics, what: str) -> dict:
    """A run folder's ``metrics.json``: schema ``run_metrics.json``, then its history bookkeeping."""
    from .core import validate

    validate(metrics, "run_metrics", what)
    _need(len(metrics["history"]) <= metrics["epochs"], what,
          f"history has {len(metrics['history'])} records for epochs = {metrics['epochs']}")
    check_history(metrics["history"], what)
    check_history(metrics.get("baseline_history", []), what, "baseline_history")
    return metrics
