"""Experiment configuration files: resolution from the task, validation, CLI, provenance, operating points."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest
import torch

from rfspin.cli.main import main
from rfspin.errors import RfspinError
from rfspin.experiment import (
    config_hash,
    config_toml,
    default_config,
    load_config,
    parse_literal,
    resolve_config,
)
from rfspin.tasks import task_for

TINY = ["data.task=wine", "network.hidden=[4]", "training.epochs=1", "baseline.epochs=1", "run.plots=false",
        "run.progress=false"]


def test_defaults_come_from_the_task_and_round_trip_through_toml():
    task = task_for("drone")
    resolved = resolve_config({})
    assert resolved["training"]["learning_rate"] == task.rf_config.learning_rate
    assert resolved["training"]["epochs"] == task.rf_config.epochs
    assert resolved["baseline"]["learning_rate"] == task.baseline_config.learning_rate
    assert resolved["network"]["hidden"] == list(task.hidden)
    assert resolved["network"]["input_power_w"] == task.spec.input_power
    again = resolve_config(tomllib.loads(config_toml(resolved)))
    assert again == resolved and config_hash(again) == config_hash(resolved)


def test_hash_ignores_presentation_and_follows_computation():
    a = resolve_config({}, ["run.plots=false"])
    b = resolve_config({}, ["run.plots=true"])
    c = resolve_config({}, ["training.learning_rate=0.03"])
    assert config_hash(a) == config_hash(b) != config_hash(c)


def test_device_preset_with_field_override():
    resolved = resolve_config({}, ["devices.oscillator.bias_voltage_v=0.012"])
    osc = resolved["devices"]["oscillator"]
    assert osc["bias_voltage_v"] == 0.012 and osc["threshold_current_a"] == 1e-5
    _, task = __import__("rfspin.experiment", fromlist=["build_run"]).build_run(resolved, out_dir=".")
    assert task.spec.oscillator.bias_voltage == 0.012


@pytest.mark.parametrize("setting, key", [
    ("trainin.epochs=3", "trainin"),
    ("training.learning_rte=0.1", "learning_rte"),
    ("training.learning_rate=\"fast\"", "training.learning_rate"),
    ("training.epochs=-1", "training.epochs"),
    ("training.batch_size=2.5", "training.batch_size"),
    ("devices.resonator.damping=0.7", "devices.resonator.damping"),
    ("network.hidden=[0]", "network.hidden[0]"),
    ("network.min_frequency_hz=2e8", "network.min_frequency_hz"),
    ("network.input_power_w=automatic", "network.input_power_w"),
    ("network.input_power_w=2.0", "network.input_power_w"),
])
def test_bad_values_are_one_line_errors_naming_the_key(setting, key):
    with pytest.raises(RfspinError) as info:
        resolve_config({}, [setting])
    message = str(info.value)
    assert key in message and "\n" not in message


def test_set_values_are_toml_literals_never_code():
    assert parse_literal("[64, 32]") == [64, 32]
    assert parse_literal("1e-3") == 1e-3
    assert parse_literal("true") is True
    assert parse_literal("wine") == "wine"
    with pytest.raises(RfspinError):
        parse_literal("__import__('os').getcwd()")


def test_cli_config_show_then_train_reproduces(tmp_path, capsys):
    path = tmp_path / "exp.toml"
    assert main(["config", "show", "wine", *[arg for s in TINY for arg in ("--set", s)], "--out", str(path)]) == 0
    out = tmp_path / "run"
    assert main(["train", "--config", str(path), "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    record = json.loads((out / "experiment.json").read_text())
    assert set(record["provenance"]) >= {"rfspin_version", "git_commit", "torch_version", "platform", "python"}
    assert record["config_hash"] == config_hash(load_config(path))
    again = tmp_path / "again"
    assert main(["train", "--config", str(out / "experiment.toml"), "--out", str(again)]) == 0
    assert json.loads((again / "metrics.json").read_text())["test_accuracy"] == metrics["test_accuracy"]
    capsys.readouterr()


def test_cli_bad_config_exits_2_one_line_no_folder(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[training]\nepochs = -3\n")
    out = tmp_path / "run"
    assert main(["train", "--config", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "training.epochs" in err and len(err.splitlines()) == 1 and not out.exists()
    assert main(["train", "--config", str(path), "--task", "wine", "--out", str(out)]) == 2
    assert "data.task" in capsys.readouterr().err


def _spread_and_window(task_name: str, scale: float = 1.0):
    from rfspin.nn.engine import LayerHooks
    from rfspin.tasks.generic import OPERATING_SAMPLES

    task = task_for(task_name)
    data = task.load(0, None)
    data.x_train = data.x_train * scale
    model = task.build(data, task.hidden, 0)
    spreads = []

    class Record(LayerHooks):
        def record(self, site, powers, tones, voltages):
            if not site.is_output:
                spreads.append(float(voltages.double().std(0).median()))

    with torch.no_grad():
        model.forward_powers(model.input_powers(data.x_train[:OPERATING_SAMPLES]), hooks=Record())
    osc = model.spec.oscillator
    window = (osc.max_current_ratio - 1) * osc.threshold_current / osc.transconductance
    return model.spec.input_power, spreads[0], window


def test_auto_operating_point_puts_the_spread_at_the_target_and_scales_with_the_data():
    from rfspin.tasks.generic import SPREAD_FRACTION

    power, spread, window = _spread_and_window("breast_cancer")
    assert spread == pytest.approx(SPREAD_FRACTION * window, rel=1e-6)  # V is linear in P
    power10, _, _ = _spread_and_window("breast_cancer", scale=10.0)
    assert power10 == pytest.approx(power / 10, rel=1e-6)  # data 10x larger -> 10x less power per unit


def test_user_file_gets_its_own_operating_point(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 50.0, size=(60, 12))
    y = np.arange(60) % 3
    path = tmp_path / "spectra.npz"
    np.savez(path, X=x, y=y)
    resolved = resolve_config({"data": {"task": str(path)}})
    assert resolved["network"]["input_power_w"] == "auto"
    task = task_for(str(path))
    model = task.build(task.load(0, None), (8,), 0)
    assert model.spec.input_power != task_for("drone").spec.input_power


def test_default_config_of_every_registered_task_resolves():
    from rfspin.tasks import task_names

    for name in task_names():
        assert resolve_config(tomllib.loads(config_toml(default_config(name)))) == default_config(name)
