"""Sweeps: plans (grid, random, multi-key values), local and Ray backends, retries, resuming."""

from __future__ import annotations

import csv
import os
import signal
import threading
import time

import pytest

from rfspin.cli.main import main
from rfspin.errors import RfspinError
from rfspin.scale import PID_FILE, plan_from_dict, run_sweep

BASE = {"data": {"task": "wine"}, "network": {"hidden": [4]}, "training": {"epochs": 2}, "baseline": {"epochs": 2}}


def _doc(tmp_path, **extra):
    return {"out_dir": str(tmp_path / "sweep"), "seeds": [0, 1], "base": BASE,
            "grid": {"training.learning_rate": [0.01, 0.03]}, **extra}


def test_grid_is_the_product_of_keys_and_seeds():
    doc = {"seeds": [0, 1, 2], "base": BASE, "grid": {
        "network.input_power_w": [1e-7, 3e-7, 1e-6],
        "band": [{"network.min_frequency_hz": 20e6, "network.max_frequency_hz": 120e6},
                 {"network.min_frequency_hz": 40e6, "network.max_frequency_hz": 240e6}]}}
    plan = plan_from_dict(doc)
    assert len(plan.trials) == 18 and len({t.hash for t in plan.trials}) == 18
    high = [t for t in plan.trials if t.values["band"]["network.max_frequency_hz"] == 240e6]
    assert len(high) == 9 and all(t.config["network"]["min_frequency_hz"] == 40e6 for t in high)


def test_random_mode_is_reproducible_and_in_bounds():
    doc = {"mode": "random", "samples": 6, "sample_seed": 3, "base": BASE,
           "random": {"training.learning_rate": {"log_uniform": [1e-3, 1e-1]}, "training.batch_size": {"choice": [8, 16]}}}
    a, b = plan_from_dict(doc), plan_from_dict(doc)
    assert [t.hash for t in a.trials] == [t.hash for t in b.trials]
    assert all(1e-3 <= t.config["training"]["learning_rate"] <= 1e-1 for t in a.trials)
    assert {t.config["training"]["batch_size"] for t in a.trials} <= {8, 16}


@pytest.mark.parametrize("doc, key", [
    ({"grid": {"training.learnin_rate": [0.1]}}, "learnin_rate"),
    ({"grid": {"training.epochs": [-1]}}, "training.epochs"),
    ({"grid": {"training.epochs": 3}}, "grid.training.epochs"),
    ({"seeds": [-1]}, "seeds[0]"),
    ({"resources": {"gpus_per_trial": -0.5}}, "resources.gpus_per_trial"),
    ({"colour": "red"}, "colour"),
])
def test_bad_sweep_files_name_the_key(doc, key):
    with pytest.raises(RfspinError, match=key.replace("[", r"\[").replace("]", r"\]")):
        plan_from_dict({"base": BASE, **doc})


def test_local_sweep_writes_tables_and_reruns_nothing(tmp_path, capsys):
    path = tmp_path / "sweep.toml"
    path.write_text('out_dir = "s"\nseeds = [0, 1]\n[base]\ndata.task = "wine"\nnetwork.hidden = [4]\n'
                    'training.epochs = 1\n[grid]\n"training.learning_rate" = [0.01, 0.03]\n')
    assert main(["sweep", str(path), "--backend", "local", "--quiet"]) == 0
    rows = list(csv.DictReader((tmp_path / "s" / "results.csv").open()))
    assert len(rows) == 4 and {r["seed"] for r in rows} == {"0", "1"}
    summary = list(csv.DictReader((tmp_path / "s" / "summary.csv").open()))
    assert len(summary) == 2 and all(r["n_seeds"] == "2" for r in summary)
    assert (tmp_path / "s" / "accuracy_vs_training.learning_rate.png").is_file()
    assert "4 executed" in capsys.readouterr().out
    assert main(["sweep", str(path), "--backend", "local", "--quiet"]) == 0
    assert "0 executed, 4 already finished" in capsys.readouterr().out


def test_bad_sweep_cli_exits_2_one_line(tmp_path, capsys):
    path = tmp_path / "sweep.toml"
    path.write_text('[grid]\n"training.epochs" = [1, -2]\n')
    assert main(["sweep", str(path), "--backend", "local"]) == 2
    err = capsys.readouterr().err.strip()
    assert "training.epochs" in err and len(err.splitlines()) == 1 and not (tmp_path / "sweep-results").exists()


def test_sweep_device_flag_sets_every_trials_device(tmp_path, capsys):
    path = tmp_path / "sweep.toml"
    path.write_text('out_dir = "s"\nseeds = [0]\n[base]\ndata.task = "wine"\n[grid]\n"training.epochs" = [1, 2]\n')
    from rfspin.scale import load_sweep

    plain = load_sweep(path)
    on_cpu = load_sweep(path, ['device="cpu"'])
    assert {t.config["device"] for t in plain.trials} == {"auto"}
    assert {t.config["device"] for t in on_cpu.trials} == {"cpu"}
    assert main(["sweep", str(path), "--backend", "local", "--dry-run", "--device", "cpu"]) == 0
    assert "2 trials" in capsys.readouterr().out
    assert main(["sweep", str(path), "--backend", "local", "--dry-run", "--device", "tpu"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--device 'tpu'" in err and len(err.splitlines()) == 1


@pytest.fixture(scope="module")
def ray_instance():
    ray = pytest.importorskip("ray")
    # trials are small: Ray's memory monitor would kill them when *other* processes fill the machine
    os.environ.setdefault("RAY_memory_monitor_refresh_ms", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


def _kill_first_trial(folder, killed: list) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for pid_file in folder.glob(f"trials/*/{PID_FILE}"):
            pid = int(pid_file.read_text())
            os.kill(pid, signal.SIGKILL)
            killed.append((pid_file.parent.name, pid))
            return
        time.sleep(0.005)


def test_ray_sweep_survives_a_killed_worker_and_reruns_nothing(tmp_path, ray_instance):
    doc = _doc(tmp_path, base={**BASE, "training": {"epochs": 30}})
    plan = plan_from_dict(doc)
    killed: list = []
    killer = threading.Thread(target=_kill_first_trial, args=(plan.out_dir, killed))
    killer.start()
    outcome = run_sweep(plan, backend="ray", progress=False, plots=False)
    killer.join()
    assert killed, "no trial started"
    assert outcome["executed"] == 4 and not outcome["failed"]
    by_hash = {r["config_hash"]: r for r in outcome["results"]}
    digest, pid = killed[0]
    retried = (plan.out_dir / "results" / f"{digest}.json").read_text()
    assert f'"pid": {pid}' not in retried  # the killed trial finished in another worker
    assert len(by_hash) == 4
    again = run_sweep(plan, backend="ray", progress=False, plots=False)
    assert again["executed"] == 0 and again["skipped"] == 4
