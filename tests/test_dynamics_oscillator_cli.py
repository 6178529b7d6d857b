"""``rfspin simulate oscillator`` end to end (tiny runs) and its bad-input contract."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rfspin.cli.main import main


def test_simulate_oscillator_writes_traces_spectrum_and_tongue(tmp_path):
    out = tmp_path / "osc"
    code = main(["simulate", "oscillator", "--current-ua", "20", "30", "--duration-us", "20", "--trials", "2",
                 "--temperature-k", "30", "--drive", "20.01e6:1e4", "--locking-map", "--quiet", "--device", "cpu",
                 "--out", str(out)])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    rows = summary["per_current"]
    assert rows["current_a"] == pytest.approx([20e-6, 30e-6])
    assert rows["power_theory"] == pytest.approx([0.25, 0.4])
    # weak noise (30 K): the mean power sits at p0 within a few per cent
    assert np.allclose(rows["power_sim"], rows["power_theory"], rtol=0.05)
    traces = np.load(out / "traces.npz")
    assert traces["power"].shape[1] == 2 and traces["amplitude_re"].shape[1:] == (2, 2)
    tongue = np.load(out / "locking_map.npz")
    locked = tongue["locked_fraction"]
    assert locked.shape == (5, 31)
    # locked at the centre for every amplitude, not at the edges of the map; wider with more drive
    assert locked[:, 15].min() == 1 and locked[:, [0, -1]].max() == 0
    assert (locked.sum(1)[1:] >= locked.sum(1)[:-1]).all()
    for name in ("power.png", "spectrum.png", "arnold_tongue.png"):
        assert (out / name).stat().st_size > 0


def test_simulate_oscillator_from_toml(tmp_path):
    config = tmp_path / "osc.toml"
    out = tmp_path / "run"
    config.write_text(f'preset = "torrejon2017"\ncurrents_ua = [6000]\nduration_us = 2\ntrials = 1\n'
                      f'temperature_k = 0\nout = "{out}"\n')
    assert main(["simulate", "oscillator", "--config", str(config), "--quiet", "--no-plot", "--device", "cpu"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["preset"] == "torrejon2017" and summary["oscillator"]["temperature"] == 0.0


@pytest.mark.parametrize("flags", [
    ["--current-ua", "nan"], ["--current-ua", "-5"], ["--current-ua", "inf"],
    ["--temperature-k", "-1"], ["--duration-us", "0"], ["--duration-us", "-3"],
    ["--time-step-ns", "500"], ["--drive", "5e9:1e4"], ["--drive", "20e6"], ["--drive", "20e6:-1"],
    ["--preset", "nope"], ["--trials", "0"],
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, flags):
    out = tmp_path / "never"
    code = main(["simulate", "oscillator", *flags, "--duration-us", "1", "--quiet", "--out", str(out)]
                if "--duration-us" not in flags else ["simulate", "oscillator", *flags, "--quiet", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and err
    assert not out.exists()
