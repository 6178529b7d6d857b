"""Chip program: complete, exact round trip, recomputable without rfspin, clear errors."""

import json

import numpy as np
import pytest
import torch

from rfspin.nn import build_rf_network
from rfspin.program import export_program, network_from_program, program_csv, read_program, write_program


def _trained_like(seed=0, sizes=(10, 5, 3)):
    net = build_rf_network(sizes, seed=seed)
    g = torch.Generator().manual_seed(seed + 100)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=g))
    net.project_()
    return net


def numpy_forward(program: dict, x: np.ndarray) -> np.ndarray:
    """The program's forward pass in plain numpy: the schema is enough, no rfspin needed."""
    p = x * program["input"]["power_per_unit_w"]
    freqs = np.asarray(program["input"]["frequencies_hz"])
    for layer in program["layers"]:
        if layer["type"] == "resonator_chains":
            fr = np.asarray(layer["resonance_frequency_hz"])
            delta = np.asarray(layer["damping"]) * fr
            d = freqs[None, :, None] - fr[:, None, :]
            sens = np.asarray(layer["sensitivity_v_per_w"])[:, None, :]
            a_a = np.asarray(layer["antisymmetric_weight"])[:, None, :]
            a_s = np.asarray(layer["symmetric_weight"])[:, None, :]
            dl = delta[:, None, :]
            g = np.asarray(layer["signs"])[None, None, :] * sens * (2 * a_a * d * dl + 2 * a_s * dl**2) / (d**2 + dl**2)
            v = p @ g.sum(-1).T + np.asarray(layer["bias_voltage_v"])
        else:
            ith = np.asarray(layer["threshold_current_a"])
            i = np.clip(np.asarray(layer["transconductance_a_per_v"]) * (v + np.asarray(layer["bias_voltage_v"])),
                        0, np.asarray(layer["max_current_ratio"]) * ith)
            z = i / ith
            p0 = np.maximum(z - 1, 0) / (z + np.asarray(layer["nonlinear_damping"]))
            p = (np.asarray(layer["power_prefactor"]) * p0
                 * (np.asarray(layer["magnetoresistance_ratio"]) * np.asarray(layer["spin_polarization"])) ** 2
                 * np.asarray(layer["resistance_ohm"]) * i**2)
            assert not np.any(layer["nonlinear_frequency_shift_hz"])  # shared tones (no per-sample shift)
            freqs = np.asarray(layer["frequency_hz"])
    return v


def test_round_trip_identical_outputs(tmp_path):
    net = _trained_like()
    path = write_program(net, tmp_path / "program.json")
    net2 = network_from_program(read_program(path))
    x = torch.rand(9, 10, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(net(x), net2(x))
    assert export_program(net2)["layers"] == export_program(net)["layers"]


def test_program_is_complete_numpy_recomputes_outputs():
    net = _trained_like(sizes=(8, 6, 4, 3))
    program = json.loads(json.dumps(export_program(net)))
    x = np.random.default_rng(0).uniform(size=(5, 8))
    with torch.no_grad():
        expected = net(torch.tensor(x, dtype=torch.float32)).double().numpy()
    np.testing.assert_allclose(numpy_forward(program, x), expected, rtol=2e-4, atol=2e-6)


def test_program_has_version_units_and_every_device():
    net = _trained_like()
    prog = export_program(net)
    assert prog["schema"] == "rfspin.chip_program" and prog["version"] == 1
    chains = prog["layers"][0]
    assert np.asarray(chains["resonance_frequency_hz"]).shape == (5, 10)
    res_csv, osc_csv = program_csv(prog)
    assert len(res_csv.strip().splitlines()) == 1 + 10 * 5 + 5 * 3
    assert len(osc_csv.strip().splitlines()) == 1 + 5


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda p: p.update(version=99), "version 99"),
        (lambda p: p.update(schema="other"), "schema"),
        (lambda p: p.pop("layers"), "missing key 'layers'"),
        (lambda p: p["layers"][0]["resonance_frequency_hz"][0].__setitem__(0, 5e9), "outside the tuning band"),
        (lambda p: p["layers"][1]["bias_voltage_v"].__setitem__(0, float("nan")), "NaN at line .* is not allowed"),
    ],
)
def test_bad_program_files(tmp_path, mutate, message):
    prog = json.loads(json.dumps(export_program(_trained_like())))
    mutate(prog)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(prog))
    with pytest.raises(ValueError, match=message):
        network_from_program(read_program(path))


def test_missing_and_corrupted_program(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_program(tmp_path / "none.json")
    (tmp_path / "c.json").write_text('{"schema": "rfspin.chip_pro')
    with pytest.raises(ValueError, match="not valid JSON"):
        read_program(tmp_path / "c.json")


def test_program_file_is_compact_json_and_csv_rows_match_program(tmp_path):
    import csv
    import io

    from rfspin.program.chip_program import _OSCILLATOR_KEYS, _RESONATOR_ARRAYS

    net = _trained_like()
    path = write_program(net, tmp_path / "program.json")
    text = path.read_text()
    assert text.count("\n") == 1 and ": " not in text  # one line (json's C encoder), no padding
    from rfspin.fileio import to_jsonable

    program = export_program(net)
    assert json.loads(text) == to_jsonable(program) == read_program(path)  # (tuples in "spec" read as lists)
    # The row-wise CSV builder writes what one writerow per resonator / oscillator writes.
    res, osc = io.StringIO(), io.StringIO()
    w, wo = csv.writer(res), csv.writer(osc)
    for li, layer in enumerate(program["layers"]):
        if layer["type"] == "resonator_chains":
            for j, row in enumerate(layer["resonance_frequency_hz"]):
                for k, f in enumerate(row):
                    w.writerow([li, j, k, int(layer["signs"][k]), repr(f), repr(layer["anchor_frequencies_hz"][k]),
                                *(repr(layer[key][j][k]) for key in _RESONATOR_ARRAYS),
                                repr(layer["bias_voltage_v"][j])])
        else:
            for n in range(layer["n_neurons"]):
                wo.writerow([li, n, repr(layer["frequency_hz"][n]),
                             *(repr(layer[key][n]) for key in _OSCILLATOR_KEYS.values()),
                             repr(layer["power_prefactor"][n])])
    res_csv, osc_csv = program_csv(program)
    assert res_csv.split("\r\n", 1)[1] == res.getvalue() and osc_csv.split("\r\n", 1)[1] == osc.getvalue()
