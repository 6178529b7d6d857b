"""Searches: validation split (the test set is never used to choose), a 5-trial Optuna search, best config."""

from __future__ import annotations

import json

import pytest
import torch

from rfspin.cli.main import main
from rfspin.experiment import load_config
from rfspin.scale.search import search_from_dict
from rfspin.scale.validation import train_on_validation, validation_split
from rfspin.tasks import task_for

SEARCH = """out_dir = "out"
trials = 5
backend = "optuna"
warmup_epochs = 1
[base]
data.task = "wine"
network.hidden = [4]
training.epochs = 3
[space]
"training.learning_rate" = {log_uniform = [0.003, 0.1]}
"training.batch_size" = {choice = [16, 32]}
"""


def test_validation_split_holds_training_rows_only():
    data = task_for("wine").load(0, None)
    split = validation_split(data, 0.25)
    rows = {tuple(r.tolist()) for r in data.x_train}
    assert all(tuple(r.tolist()) in rows for r in split.x_test)
    assert len(split.y_train) + len(split.y_test) == len(data.y_train)
    test_rows = {tuple(r.tolist()) for r in data.x_test}
    assert not any(tuple(r.tolist()) in test_rows - rows for r in split.x_train)
    assert torch.equal(torch.unique(split.y_test), torch.unique(data.y_train))  # stratified


def test_five_trial_search_writes_a_best_config_that_reproduces(tmp_path, capsys):
    path = tmp_path / "search.toml"
    path.write_text(SEARCH)
    assert main(["tune", str(path), "--quiet"]) == 0
    summary = json.loads((tmp_path / "out" / "trials.json").read_text())
    assert summary["n_trials"] == 5 and summary["backend"] == "optuna"
    best = load_config(tmp_path / "out" / "best_config.toml")
    for key, value in summary["best"]["params"].items():
        section, name = key.split(".")
        assert best[section][name] == value
    assert train_on_validation(best, 0.2) == pytest.approx(summary["best"]["value"], abs=0)
    assert main(["tune", str(path), "--quiet"]) == 0  # the stored study is complete: no new trials
    assert json.loads((tmp_path / "out" / "trials.json").read_text())["n_trials"] == 5
    capsys.readouterr()


def test_bad_search_space_is_one_line(tmp_path, capsys):
    path = tmp_path / "search.toml"
    path.write_text('[space]\n"training.learning_rate" = {log_uniform = [0.0, 0.1]}\n')
    assert main(["tune", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "space.training.learning_rate" in err and len(err.splitlines()) == 1
    with pytest.raises(ValueError, match="traning"):
        search_from_dict({"space": {"traning.epochs": {"choice": [1]}}})


def test_tune_device_flag_sets_the_base_device(tmp_path, capsys):
    from rfspin.scale.search import load_search

    path = tmp_path / "search.toml"
    path.write_text(SEARCH)
    assert load_search(path).default["device"] == "auto"
    assert load_search(path, ['device="cpu"']).default["device"] == "cpu"
    assert main(["tune", str(path), "--device", "gpu0", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--device 'gpu0'" in err and len(err.splitlines()) == 1 and not (tmp_path / "out").exists()


@pytest.mark.slow
def test_ray_tune_backend(tmp_path):
    pytest.importorskip("ray")
    path = tmp_path / "search.toml"
    path.write_text(SEARCH.replace('backend = "optuna"', 'backend = "ray"'))
    assert main(["tune", str(path), "--quiet", "--num-cpus", "2"]) == 0
    assert load_config(tmp_path / "out" / "best_config.toml")["data"]["task"] == "wine"
