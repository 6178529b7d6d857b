"""``rfspin population fit`` and ``rfspin reproduce mizrahi2018`` end to end, in-process."""

import json

import pytest

from rfspin.cli.main import main

TINY = ["--junctions", "6", "--window-ms", "50", "--train-points", "40", "--test-trials", "2", "--quiet",
        "--device", "cpu"]


def test_fit_writes_results_and_plots(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["population", "fit", "gauss", *TINY, "--out", str(out)]) == 0
    assert "RMS error" in capsys.readouterr().out
    result = json.loads((out / "results.json").read_text())
    assert result["function"] == "gauss" and result["config"]["junctions"] == 6
    assert result["config"]["counting_window"] == pytest.approx(0.05)
    assert 0 < result["relative_rms_error"] < 1
    assert len(result["tuning_measured_rate_hz"][0]) == 6 and len(result["operating_points_a"]) == 6
    for png in ("tuning_curves.png", "fit.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"


def test_fit_variability_changes_the_chip_and_no_plot(tmp_path):
    out = tmp_path / "var"
    assert main(["population", "fit", "sin", *TINY, "--variability", "0.1", "--out", str(out), "--no-plot"]) == 0
    result = json.loads((out / "results.json").read_text())
    assert result["config"]["barrier_variability"] == 0.1
    assert not (out / "fit.png").exists()


@pytest.mark.parametrize("args, message", [
    (["cosh"], "unknown function 'cosh': choose one of"),
    (["sin", "--window-ms", "-5"], "--window-ms"),
    (["sin", "--window-ms", "nan"], "--window-ms"),
    (["sin", "--junctions", "0"], "--junctions"),
    (["sin", "--variability", "nan"], "--variability"),
    (["sin", "--variability", "-0.1"], "--variability"),
    (["sin", "--current-range-ua", "10", "-10"], "MAX must be > MIN"),
    (["sin", "--train-points", "10"], "--train-points"),
    (["sin", "--test-trials", "0"], "--test-trials"),
])
def test_fit_bad_input_is_one_line_and_no_folder(tmp_path, capsys, args, message):
    out = tmp_path / "never"
    assert main(["population", "fit", *args, "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not out.exists()


def test_reproduce_rejects_epochs(tmp_path, capsys):
    assert main(["reproduce", "mizrahi2018", "--epochs", "3", "--out", str(tmp_path / "r"), "--device", "cpu"]) == 2
    assert "--epochs does not apply" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_reproduce_mizrahi2018_one_seed(tmp_path):
    out = tmp_path / "repro"
    assert main(["reproduce", "mizrahi2018", "--seeds", "1", "--out", str(out), "--quiet", "--device", "cpu"]) == 0
    result = json.loads((out / "reproduce.json").read_text())
    assert result["windows"][0]["window_s"] == 0.01
    assert result["sin_seed0"]["relative_rms_error"] < 0.05
    for png in ("error_vs_window.png", "error_vs_variability.png", "arm.png", "sin/fit.png"):
        assert (out / png).exists()
    assert "| window (ms)" in (out / "table.md").read_text()
