"""rfspin energy / rfspin compare, in process, on --arch networks and a tiny trained run."""

from __future__ import annotations

import json

import pytest

from rfspin.cli.main import main
from rfspin.energy import TERMS


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "digits"
    assert main(["train", "--task", "digits", "--hidden", "8", "--epochs", "1", "--no-plots", "--quiet",
                 "--out", str(out)]) == 0
    return out


def _png(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


@pytest.mark.parametrize("arch, neurons, synapses", [("256-128-10", 384, 34_048), ("784-300-10", 1084, 238_200)])
def test_energy_arch_writes_json_and_png(tmp_path, capsys, arch, neurons, synapses):
    assert main(["energy", "--arch", arch, "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "TOTAL per classification" in text and "derivation:" in text and f"{neurons:,} neurons" in text
    d = json.loads((tmp_path / "energy.json").read_text())
    assert d["counts"]["n_neurons"] == neurons and d["counts"]["n_synapses"] == synapses
    assert d["energy_per_inference_j"] == pytest.approx(sum(d["terms_j"].values()))
    assert d["energy_per_inference_j"] == pytest.approx(sum(e["total_energy_j"] for e in d["layers"]))
    assert d["latency_s"] > 0 and d["area_m2"] > 0 and d["preset"] == "spintronic-20nm"
    _png(tmp_path / "energy_breakdown.png")


def test_energy_disable_and_preset(tmp_path):
    assert main(["energy", "--arch", "784-300-10", "--out", str(tmp_path / "a"), "--no-plot"]) == 0
    assert main(["energy", "--arch", "784-300-10", "--out", str(tmp_path / "b"), "--no-plot",
                 "--preset", "spintronic-20nm", "--disable", "readout", "amplification"]) == 0
    a = json.loads((tmp_path / "a" / "energy.json").read_text())
    b = json.loads((tmp_path / "b" / "energy.json").read_text())
    removed = a["terms_j"]["readout"] + a["terms_j"]["amplification"]
    assert a["energy_per_inference_j"] - b["energy_per_inference_j"] == pytest.approx(removed, rel=1e-9)
    assert b["disabled_terms"] == ["readout", "amplification"]
    assert not (tmp_path / "a" / "energy_breakdown.png").exists()


def test_energy_of_a_run_folder(tiny_run, capsys):
    assert main(["energy", str(tiny_run), "--preset", "ross2023-vortex"]) == 0
    d = json.loads((tiny_run / "energy.json").read_text())
    assert d["counts"]["n_synapses"] == 64 * 8 + 8 * 10 and d["counts"]["n_neurons"] == 64 + 8
    assert d["preset"] == "ross2023-vortex" and set(d["terms_j"]) == set(TERMS)
    _png(tiny_run / "energy_breakdown.png")


def test_compare_runs_and_architectures(tiny_run, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(tiny_run), "--arch", "256-128-10", "784-300-10", "lecture-cnn",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Loihi" in text and "rfspin digits 64-8-10" in text
    rows = json.loads((out / "comparison.json").read_text())["rows"]
    measured = json.loads((tiny_run / "metrics.json").read_text())["test_accuracy"]
    run_row = next(r for r in rows if r["name"].startswith("rfspin digits"))
    assert run_row["test_accuracy_percent"] == pytest.approx(100 * measured)
    assert sum(r["kind"] == "published" for r in rows) == 7
    assert sum(r["kind"] == "rfspin" for r in rows) == 4
    _png(out / "comparison.png")


@pytest.mark.parametrize("argv, message", [
    (["energy"], "either a run folder or --arch"),
    (["energy", "--arch", "784-300-10", "--preset", "nope"], "unknown technology preset"),
    (["energy", "--arch", "784-x"], "architecture"),
    (["energy", "--arch", "4-2", "--disable", "magic"], "unknown energy term"),
    (["energy", "no/such/run"], "does not exist"),
    (["compare", "no/such/run"], "does not exist"),
])
def test_cli_errors_are_one_line(tmp_path, capsys, argv, message):
    assert main(argv + (["--out", str(tmp_path)] if argv[0] == "compare" or "--arch" in argv else [])) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_energy_activity_matches_the_data(tiny_run, tmp_path):
    from rfspin.tasks import load_run_model, task_for

    assert main(["energy", str(tiny_run), "--activity", "--samples", "200", "--no-plot", "--out", str(tmp_path)]) == 0
    d = json.loads((tmp_path / "energy.json").read_text())
    first, hidden = d["activity"]
    x = task_for("digits").load(0, None).x_test[:200]
    model = load_run_model(tiny_run)
    assert first["activation_sparsity"] == pytest.approx(float((x == 0).double().mean()), abs=1e-12)
    assert first["mean_tone_power_w"] == pytest.approx(float(x.double().mean()) * model.spec.input_power, rel=1e-5)
    assert first["effective_macs"] == pytest.approx(64 * 8 * (1 - first["activation_sparsity"]))
    assert 0.0 <= hidden["activation_sparsity"] <= 1.0 and hidden["macs"] == 80
    assert d["effective_macs"] == pytest.approx(first["effective_macs"] + hidden["effective_macs"])
    assert main(["energy", "--arch", "4-2", "--activity", "--out", str(tmp_path)]) == 2
