"""The rfspin CLI end-to-end, in-process, on tiny data."""

import json

import numpy as np
import pytest

from rfspin.cli.main import main


@pytest.fixture()
def tiny_npz(tmp_path):
    rng = np.random.default_rng(0)
    y = np.arange(60) % 3
    x = rng.uniform(0, 0.3, size=(60, 6))
    x[np.arange(60), y] += 0.7  # class = the strongest of the first three bins
    path = tmp_path / "tiny.npz"
    np.savez(path, X=x, y=y, freqs_hz=np.linspace(30e6, 80e6, 6))
    return path


def _train(args, capsys=None):
    code = main(["train", "--quiet", *args])
    assert code == 0
    return code


def test_train_evaluate_program_round_trip(tmp_path, tiny_npz, capsys):
    run = tmp_path / "run"
    _train(["--task", str(tiny_npz), "--hidden", "4", "--epochs", "3", "--out", str(run), "--baseline"])
    out = capsys.readouterr().out
    assert "test accuracy" in out and "software baseline" in out
    metrics = json.loads((run / "metrics.json").read_text())
    for key in ("task", "test_accuracy", "train_accuracy", "epochs", "seed", "n_synapses", "n_neurons", "history",
                "baseline_test_accuracy"):
        assert key in metrics
    assert metrics["n_synapses"] == 6 * 4 + 4 * 3 and metrics["n_neurons"] == 6 + 4
    assert len(metrics["history"]) == 3
    for png in ("learning_curves.png", "chain_response.png", "resonance_frequencies.png"):
        assert (run / png).read_bytes()[:4] == b"\x89PNG"

    assert main(["evaluate", str(run)]) == 0
    assert "identical" in capsys.readouterr().out

    assert main(["program", str(run), "--out", str(tmp_path / "prog")]) == 0
    prog = tmp_path / "prog" / "program.json"
    assert (tmp_path / "prog" / "program_resonators.csv").is_file()
    assert main(["evaluate", "--program", str(prog), "--task", str(tiny_npz)]) == 0
    via_program = capsys.readouterr().out
    assert f"test accuracy {100 * metrics['test_accuracy']:.2f} %" in via_program

    run0 = tmp_path / "run0"
    _train(["--task", str(tiny_npz), "--program", str(prog), "--epochs", "0", "--out", str(run0), "--no-plots"])
    assert json.loads((run0 / "metrics.json").read_text())["test_accuracy"] == metrics["test_accuracy"]
    assert json.loads((run0 / "program.json").read_text())["layers"] == json.loads(prog.read_text())["layers"]


def test_resume_equals_uninterrupted_via_cli(tmp_path, tiny_npz):
    a, b = tmp_path / "a", tmp_path / "b"
    _train(["--task", str(tiny_npz), "--hidden", "--epochs", "4", "--out", str(a), "--no-plots"])
    _train(["--task", str(tiny_npz), "--hidden", "--epochs", "4", "--out", str(b), "--no-plots"])
    # resuming a finished run is a no-op that keeps the same result
    _train(["--task", str(tiny_npz), "--hidden", "--epochs", "4", "--out", str(b), "--no-plots", "--resume"])
    ma, mb = (json.loads((d / "metrics.json").read_text()) for d in (a, b))
    strip = lambda hist: [{k: v for k, v in h.items() if k != "time_s"} for h in hist]  # noqa: E731
    assert strip(ma["history"]) == strip(mb["history"])


def test_nonlinear2d_task_runs(tmp_path):
    _train(["--task", "nonlinear2d", "--epochs", "1", "--out", str(tmp_path / "n"), "--no-plots"])
    assert json.loads((tmp_path / "n" / "metrics.json").read_text())["task"] == "nonlinear2d"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--task", "cifar"], "unknown task 'cifar'"),
        (["train", "--task", "missing.npz"], "does not exist"),
        (["train", "--task", "digits", "--epochs", "-2"], "--epochs -2"),
        (["evaluate", "nowhere"], "metrics.json' does not exist"),
        (["evaluate", "--program", "p.json"], "--program needs --task"),
        (["reproduce", "nobody2020"], "unknown study"),
        (["train", "--task", "digits", "--max-shift", "-1"], "--max-shift -1"),
        (["train", "--task", "digits", "--max-shift", "1"], "not an image set"),
    ],
)
def test_bad_input_clear_errors(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert not (tmp_path / "runs").exists()  # nothing written, not even an empty run folder


def test_corrupted_checkpoint_and_resume_mismatch(tmp_path, tiny_npz, capsys):
    run = tmp_path / "r"
    _train(["--task", str(tiny_npz), "--hidden", "--epochs", "1", "--out", str(run), "--no-plots"])
    (run / "checkpoint.pt").write_bytes(b"broken")
    assert main(["evaluate", str(run)]) == 2
    assert "corrupted" in capsys.readouterr().err
    assert main(["train", "--quiet", "--task", str(tiny_npz), "--out", str(run), "--resume"]) == 2


def test_init_from_warm_starts_rf_and_baseline(tmp_path, tiny_npz):
    a, b = tmp_path / "a", tmp_path / "b"
    _train(["--task", str(tiny_npz), "--hidden", "3", "--epochs", "2", "--out", str(a), "--baseline", "--no-plots"])
    _train(["--task", str(tiny_npz), "--hidden", "3", "--epochs", "0", "--out", str(b), "--baseline", "--no-plots",
            "--init-from", str(a), "--seed", "7"])
    ma, mb = (json.loads((d / "metrics.json").read_text()) for d in (a, b))
    assert mb["test_accuracy"] == ma["test_accuracy"]
    assert mb["baseline_test_accuracy"] == ma["baseline_test_accuracy"]
    assert json.loads((b / "program.json").read_text())["layers"] == json.loads((a / "program.json").read_text())["layers"]
