"""Hypothesis: every file reader on generated malformed files.

Property: reading (and then using) a generated file either works, and whatever it builds gives
finite outputs, or raises RfspinError whose one-line message names a key, a value or the file.
Documents are valid files with 1-3 random edits (values replaced by junk, keys deleted or added,
lists shrunk or grown), or raw bytes cut short.
"""

import copy
import gzip
import io
import json
import math
import struct

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from property_support import _paths, assert_finite, assert_user_error, examples, mutate

from rfspin import build_rf_network
from rfspin.calibration import apply_devices, read_devices
from rfspin.data import load_spectra_file
from rfspin.data.idx import read_idx
from rfspin.errors import RfspinError
from rfspin.nn.chip import chip_forward, sample_static
from rfspin.nonideal import load_nonidealities
from rfspin.program import export_program, network_from_program, read_program
from rfspin.train import load_checkpoint, model_from_checkpoint, model_record, save_checkpoint


def _keys(doc) -> set:
    return {str(p[-1]) for p, _ in _paths(doc) if p}


def _check_error(exc, names, doc, path=None):
    assert_user_error(exc, *names, *_keys(doc), "JSON", "TOML", "nested", "NaN", "Infinity", "schema", "version",
                      *([path.name] if path is not None else []))


@pytest.fixture(scope="module")
def program():
    return json.loads(json.dumps(export_program(build_rf_network((3, 2, 2), seed=0, input_power=1e-6))))


@settings(max_examples=examples(250))
@given(data=st.data())
def test_program_reader_property(tmp_path_factory, program, data):
    doc, names = mutate(program, data)
    text = json.dumps(doc, allow_nan=True)
    if data.draw(st.booleans(), label="truncate"):
        text = text[: data.draw(st.integers(0, len(text)), label="cut")]
    path = tmp_path_factory.mktemp("p") / "program.json"
    path.write_text(text)
    try:
        net = network_from_program(read_program(path))
    except RfspinError as exc:
        _check_error(exc, names, program)
        return
    assert_finite(net.logits(torch.rand(4, net.spec.sizes[0])))


_DEVICES = {"schema": "rfspin.devices", "version": 1,
            "resonators": [{"sensitivity_v_per_w": 8840.0, "damping": 0.01, "antisymmetric_weight": 1.0,
                            "symmetric_weight": 0.1, "position": [0, 1, 2], "source": "a.csv",
                            "uncertainty": {"damping": 1e-4}}],
            "oscillators": [{"threshold_current_a": 1e-5, "nonlinear_damping": 2.0, "power_scale_w_per_a2": 1250.0}]}


@settings(max_examples=examples(250))
@given(data=st.data())
def test_devices_reader_property(tmp_path_factory, data):
    doc, names = mutate(_DEVICES, data)
    path = tmp_path_factory.mktemp("d") / "devices.json"
    path.write_text(json.dumps(doc, allow_nan=True))
    net = build_rf_network((3, 2, 2), seed=0, input_power=1e-6)
    try:
        apply_devices(net, read_devices(path))
    except RfspinError as exc:
        _check_error(exc, names, _DEVICES)
        return
    assert_finite(net.logits(torch.rand(4, 3)))


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return "nan"
        return {math.inf: "inf", -math.inf: "-inf"}.get(value, repr(value))
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return "null" if value is None else str(value)


def _toml(doc: dict) -> str:
    lines = [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    for section, table in doc.items():
        if isinstance(table, dict):
            lines.append(f"[{json.dumps(section)}]")
            lines += [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


_TOML = {"preset": "lab-2023",
         "programming_error": {"relative_sigma_percent": 0.5, "absolute_sigma_khz": 20.0},
         "temperature": {"temperature_k": 310.0},
         "voltage_noise": {"bandwidth_mhz": 1.0, "extra_sigma_uv": 10.0},
         "tuning": {"tuning_range_mhz": 15.0, "resolution_khz": 50.0},
         "adc": {"bits": 8, "full_scale_mv": 50.0},
         "saturation": {"saturation_power_uw": 10.0}}


@settings(max_examples=examples(250))
@given(data=st.data())
def test_toml_reader_property(tmp_path_factory, data):
    doc, names = mutate(_TOML, data)
    text = _toml(doc)
    if data.draw(st.booleans(), label="truncate"):
        text = text[: data.draw(st.integers(0, len(text)), label="cut")]
    path = tmp_path_factory.mktemp("t") / "hw.toml"
    path.write_text(text)
    try:
        nonideal = load_nonidealities(path)
    except RfspinError as exc:
        _check_error(exc, names, _TOML)
        return
    net = build_rf_network((3, 2, 2), seed=0, input_power=1e-6)
    gen = torch.Generator().manual_seed(0)
    out = chip_forward(net, sample_static(net, nonideal, 2, gen), nonideal, torch.rand(3, 3, generator=gen),
                       n_chips=2, generator=gen)
    assert_finite(out)


_array_values = st.one_of(st.floats(0, 10), st.floats(allow_nan=True, allow_infinity=True), st.just(-1.0))


@settings(max_examples=examples(250))
@given(data=st.data())
def test_spectra_reader_property(tmp_path_factory, data):
    n = data.draw(st.integers(0, 12), label="rows")
    dtype = data.draw(st.sampled_from([np.float64, np.float32, np.int64, np.complex128, np.bool_, "U3"]), label="dtype")
    x_shape = data.draw(st.sampled_from([(n, 3), (n,), (n, 3, 2), (n, 0)]), label="X shape")
    if dtype == "U3":
        x = np.full(x_shape, "a")
    else:
        with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf cast to int64 on purpose
            x = data.draw(arrays(np.float64, x_shape, elements=_array_values), label="X").astype(dtype)
    y = data.draw(st.one_of(
        arrays(np.int64, (n,), elements=st.integers(-2, 4)),
        arrays(np.int64, (n,), elements=st.integers(0, 1000)),
        arrays(np.float64, (n,), elements=st.floats(allow_nan=True)),
        arrays(np.int64, (max(n - 1, 0),), elements=st.integers(0, 2)),
        st.just(np.arange(n) % 2),
    ), label="y")
    arrays_out = {"X": x, "y": y}
    if data.draw(st.booleans(), label="freqs"):
        arrays_out["freqs_hz"] = data.draw(arrays(np.float64, data.draw(st.integers(0, 4)),
                                                  elements=st.floats(-1e7, 1e14)), label="freqs_hz")
    path = tmp_path_factory.mktemp("s") / "spectra.npz"
    np.savez(path, **arrays_out)
    try:
        ds = load_spectra_file(path)
    except RfspinError as exc:
        assert_user_error(exc, "spectra.npz")
        return
    assert ds.n_classes >= 2 and bool((ds.y_train < ds.n_classes).all())
    assert_finite(ds.x_train, ds.x_test)
    assert bool((ds.x_train >= 0).all())


def _idx_bytes(data) -> bytes:
    shape = data.draw(st.lists(st.integers(0, 4), min_size=1, max_size=3), label="shape")
    header = bytes([0, 0, 8, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
    body = bytes(data.draw(st.integers(0, 255)) for _ in range(int(np.prod(shape))))
    raw = header + body
    edit = data.draw(st.sampled_from(["none", "cut", "extra", "type", "dims", "magic"]), label="edit")
    if edit == "cut":
        raw = raw[: data.draw(st.integers(0, len(raw)), label="cut")]
    elif edit == "extra":
        raw += b"\x00"
    elif edit == "type":
        raw = raw[:2] + bytes([data.draw(st.integers(0, 255))]) + raw[3:]
    elif edit == "dims":
        raw = raw[:3] + bytes([data.draw(st.integers(0, 255))]) + raw[4:]
    elif edit == "magic":
        raw = bytes([data.draw(st.integers(1, 255))]) + raw[1:]
    return raw


@settings(max_examples=examples(250))
@given(data=st.data(), compressed=st.booleans())
def test_idx_reader_property(tmp_path_factory, data, compressed):
    raw = _idx_bytes(data)
    folder = tmp_path_factory.mktemp("i")
    path = folder / ("x-idx.gz" if compressed else "x-idx")
    path.write_bytes(gzip.compress(raw) if compressed else raw)
    if compressed and data.draw(st.booleans(), label="corrupt gzip"):
        path.write_bytes(path.read_bytes()[:-3])
    try:
        array = read_idx(path)
    except RfspinError as exc:
        assert_user_error(exc, "x-idx")
        return
    assert array.dtype == np.uint8 and array.ndim == raw[3]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A real checkpoint of a tiny trained network (model, optimizer, generator, history)."""
    from rfspin.data import RFDataset
    from rfspin.train import TrainConfig, train_network

    x = torch.rand(12, 3, generator=torch.Generator().manual_seed(0))
    y = torch.arange(12) % 2
    data = RFDataset("tiny", x, y, x, y, ("a", "b"))
    path = tmp_path_factory.mktemp("c") / "checkpoint.pt"
    net = build_rf_network((3, 2, 2), seed=0, input_power=1e-6)
    train_network(net, data, TrainConfig(epochs=2, batch_size=6), checkpoint_path=path, progress=False)
    return torch.load(path, weights_only=True)


_tensor_junk = st.one_of(
    st.sampled_from([torch.zeros(0), torch.ones(3), torch.full((2, 2), math.nan), torch.ones(2, 3, dtype=torch.int64),
                     torch.zeros(5056, dtype=torch.uint8), torch.ones(7, dtype=torch.uint8)]),
    st.none(), st.integers(-3, 5), st.floats(allow_nan=True), st.text(max_size=3), st.just([]), st.just({}),
)


@settings(max_examples=examples(200))
@given(data=st.data())
def test_checkpoint_reader_property(tmp_path_factory, checkpoint, data):
    doc, names = mutate(checkpoint, data, junk=_tensor_junk)
    path = tmp_path_factory.mktemp("k") / "checkpoint.pt"
    buf = io.BytesIO()
    torch.save(doc, buf)
    raw = buf.getvalue()
    if data.draw(st.booleans(), label="truncate"):
        raw = raw[: data.draw(st.integers(0, len(raw)), label="cut")]
    path.write_bytes(raw)
    try:
        loaded = load_checkpoint(path)
        model = model_from_checkpoint(loaded["model"])
    except RfspinError as exc:
        _check_error(exc, names, {"model": 1, "state": 1, **_flat_keys(checkpoint)}, path)
        return
    assert_finite(model.logits(torch.rand(4, 3)))
    if "generator" in loaded:
        torch.Generator().set_state(loaded["generator"])


def _flat_keys(doc) -> dict:
    return {k: 1 for k in _keys(copy.deepcopy(doc) if not isinstance(doc, torch.Tensor) else {})}


def test_save_checkpoint_round_trip(tmp_path):
    net = build_rf_network((3, 2, 2), seed=0)
    save_checkpoint(tmp_path / "c.pt", {"model": model_record(net)})
    assert load_checkpoint(tmp_path / "c.pt", model=net)["model"]["state"].keys() == net.state_dict().keys()
