"""``rfspin simulate junction`` end-to-end, in-process, on tiny runs."""

import json

import numpy as np
import pytest

from rfspin.cli.main import main

TINY = ["--currents-ua", "-20", "0", "20", "--trials", "4", "--duration-us", "20000", "--quiet", "--device", "cpu"]


def test_writes_trace_histograms_sigmoid_and_rate(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["simulate", "junction", *TINY, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3 currents x 4 trials" in printed and "<m> sim" in printed
    for png in ("telegraph.png", "dwell_times.png", "mean_state.png", "switching_rate.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((out / "summary.json").read_text())
    rows = summary["per_current"]
    assert rows["current_a"] == pytest.approx([-20e-6, 0.0, 20e-6])
    assert rows["mean_state_theory"][0] < 0 < rows["mean_state_theory"][2]
    assert summary["settings"]["method"] == "steps" and summary["settings"]["trials"] == 4
    assert summary["junction"]["temperature"] == 300.0 and summary["preset"] == "mizrahi2018"
    trace = np.load(out / "trace.npz")
    assert trace["antiparallel"].shape == (len(trace["time_s"]), 3) and trace["antiparallel"].dtype == bool
    assert set(np.unique(trace["resistance_ohm"])) <= {1e3, 2e3}
    dwell = np.load(out / "dwell_times.npz")
    assert dwell["parallel_s"].size == dwell["parallel_current_index"].size > 0
    assert set(np.unique(dwell["parallel_current_index"])) <= {0, 1, 2}


def test_toml_replaces_the_flags_and_flags_override_it(tmp_path):
    config = tmp_path / "junction.toml"
    config.write_text(
        'preset = "mizrahi2018"\nthermal_stability = 8\ntemperature_k = 350\ncurrents_ua = [-30, 30]\n'
        'duration_us = 500\nmethod = "events"\ntrials = 3\nseed = 5\n'
    )
    out = tmp_path / "run"
    assert main(["simulate", "junction", "--config", str(config), "--trials", "2", "--out", str(out), "--quiet",
                 "--no-plot"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["thermal_stability"] == pytest.approx(8.0)
    assert summary["junction"]["temperature"] == 350.0
    assert summary["settings"]["method"] == "events" and summary["settings"]["trials"] == 2
    assert summary["settings"]["seed"] == 5 and summary["per_current"]["current_a"] == pytest.approx([-30e-6, 30e-6])
    assert not (out / "telegraph.png").exists()


def test_temperature_alone_keeps_the_barrier_energy(tmp_path):
    out = tmp_path / "hot"
    assert main(["simulate", "junction", *TINY, "--temperature-k", "600", "--out", str(out), "--no-plot"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["thermal_stability"] == pytest.approx(np.log(1e6) / 2)


@pytest.mark.parametrize("args, message", [
    (["--currents-ua", "nan"], "currents_ua"),
    (["--currents-ua", "0", "--duration-us", "-5"], "duration_us"),
    (["--currents-ua", "0", "--temperature-k", "-300"], "temperature_k"),
    (["--currents-ua", "0", "--critical-current-ua", "inf"], "critical_current_ua"),
    (["--currents-ua", "0", "20", "--time-step-ns", "1e6"], "shortest mean dwell time"),
    (["--currents-ua", "0", "--trials", "0"], "trials"),
    (["--current-range-ua", "5", "-5", "3"], "MAX"),
    (["--currents-ua", "0", "--preset", "borders2019"], "preset"),
    (["--currents-ua", "0", "--config", "/nonexistent/junction.toml"], "does not exist"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "run"
    assert main(["simulate", "junction", *args, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and err.startswith("rfspin simulate: error:")
    assert not out.exists()


@pytest.mark.parametrize("toml, message", [
    ("currents_ua = [0]\ndurations_us = 5\n", "unknown key"),
    ("currents_ua = [0]\nduration_us = 'long'\n", "duration_us"),
    ("currents_ua = [0]\ntrials = true\n", "trials"),
    ("currents_ua = 0\n", "list"),
    ("currents_ua = [0\n", "not valid TOML"),
])
def test_bad_toml_is_rejected(tmp_path, capsys, toml, message):
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    assert main(["simulate", "junction", "--config", str(config), "--out", str(tmp_path / "run"), "--quiet"]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
