"""The typed run configuration, the one run path (binary runs included), divergence, --device."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from rfspin.cli.main import main
from rfspin.data import load_nonlinear2d
from rfspin.errors import RfspinError, RfspinTypeError
from rfspin.hardware import SimulatorSpec
from rfspin.nn import SoftwareMLP, SpecFields
from rfspin.nn.binary import BinarySynapses
from rfspin.nn.network import RFNetwork
from rfspin.nonideal import parse_nonidealities
from rfspin.tasks import TASKS, RunConfig, Task, build_network_for, run_training
from rfspin.tasks.run_config import FLAGS, INCOMPATIBLE_OPTIONS
from rfspin.train import TrainConfig, load_checkpoint, train
from rfspin.train.hardware_aware import HardwareAwareConfig
from rfspin.train.trainer import TrainingDiverged

_VALUES = {
    "resume": True, "program": Path("p.json"), "init_from": Path("run"), "hidden": (4,),
    "spec_overrides": SpecFields(input_power=1e-6), "chip_in_the_loop": SimulatorSpec(seed=3),
    "hardware_aware": HardwareAwareConfig(parse_nonidealities({})), "binary": BinarySynapses(),
}


@pytest.mark.parametrize("first, second, why", INCOMPATIBLE_OPTIONS)
def test_incompatible_options_are_rejected_in_one_place(first, second, why):
    with pytest.raises(RfspinError) as info:
        RunConfig("digits", Path("out"), **{first: _VALUES[first], second: _VALUES[second]})
    message = str(info.value)
    assert why in message and FLAGS[first] in message and FLAGS[second] in message


@pytest.mark.parametrize("field, value, message", [
    ("epochs", -1, "--epochs -1"), ("max_shift", 2.5, "--max-shift 2.5"), ("hidden", (4, 0), "--hidden"),
    ("seed", "3", "--seed '3'"), ("device", "gpu", "--device 'gpu'"), ("baseline", 1, "baseline"),
    ("binary", "ste", "binary"), ("task", "", "--task"),
])
def test_bad_fields_name_the_flag(field, value, message):
    with pytest.raises((RfspinError, RfspinTypeError), match=message):
        RunConfig(**{"task": "digits", "out_dir": Path("out"), field: value})


def test_round_trips_through_a_plain_dict():
    hw = HardwareAwareConfig(parse_nonidealities({"programming_error": {"relative_sigma_percent": 0.2}}), "twin", 4)
    configs = [
        RunConfig("drone", "runs/a", hidden=(16, 8), epochs=3, max_shift=0, seed=4, baseline=True,
                  init_from="runs/b", data_dir="data", devices_file="dev.json", hardware_aware=hw,
                  spec_overrides=SpecFields(input_power=1e-6, resonator=TASKS["mnist"].spec.resonator),
                  plots=False, progress=False, device="cpu"),
        RunConfig("digits", Path("x"), binary=BinarySynapses("relaxed", half_split=1.5), resume=False),
        RunConfig("digits", Path("x"), program=Path("p.json"), chip_in_the_loop=SimulatorSpec(3, 0.02)),
    ]
    for config in configs:
        plain = json.loads(json.dumps(config.to_dict()))  # JSON-ready
        assert RunConfig.from_dict(plain) == config
    assert "max_shift_pixels" in configs[0].to_dict()
    with pytest.raises(RfspinError, match="unknown keys"):
        RunConfig.from_dict({**configs[1].to_dict(), "learning_rate": 1})


def test_task_spec_is_typed():
    assert isinstance(TASKS["drone"].spec, SpecFields) and TASKS["drone"].spec.input_power == 0.3e-6
    task = Task("t", TASKS["drone"].load, (4,), TrainConfig(), TrainConfig(), spec={"readout_scale": 2e-3})
    assert task.spec == SpecFields(readout_scale=2e-3)
    with pytest.raises(RfspinError, match="unknown network spec fields"):
        Task("t", TASKS["drone"].load, (4,), TrainConfig(), TrainConfig(), spec={"volume": 1})
    with pytest.raises(RfspinError, match="readout_scale"):
        SpecFields(readout_scale=-1.0)


def _keys(run: Path) -> set:
    return set(json.loads((run / "metrics.json").read_text()))


def test_binary_runs_share_the_run_path(tmp_path, capsys):
    analog, binary = tmp_path / "analog", tmp_path / "binary"
    common = ["train", "--task", "nonlinear2d", "--epochs", "1", "--quiet", "--no-plots", "--device", "cpu"]
    assert main([*common, "--out", str(analog)]) == 0
    assert main([*common, "--out", str(binary), "--binary", "relaxed", "--baseline", "--max-shift", "0"]) == 0
    assert _keys(binary) - _keys(analog) == {"baseline_test_accuracy", "baseline_train_accuracy",
                                             "baseline_train_config", "baseline_history"}
    metrics = json.loads((binary / "metrics.json").read_text())
    assert metrics["binary"]["mode"] == "relaxed" and metrics["device"] == "cpu"
    assert RunConfig.from_dict(metrics["run_config"]).binary == BinarySynapses("relaxed")
    assert (binary / "program.json").is_file() and (binary / "program_resonators.csv").is_file()
    capsys.readouterr()
    assert main(["evaluate", str(binary)]) == 0 and "identical" in capsys.readouterr().out
    # validation happens before any folder is created
    assert main([*common, "--out", str(tmp_path / "never"), "--binary", "ste", "--resume"]) == 2
    assert main([*common, "--out", str(tmp_path / "never"), "--binary", "ste", "--chip-in-the-loop", "sim:"]) == 2
    assert "--chip-in-the-loop cannot be combined with --binary" in capsys.readouterr().err
    assert not (tmp_path / "never").exists()


class _DivergesAtEpoch2(RFNetwork):
    """An RF network whose logits become NaN once ``steps_ok`` training steps are done."""

    steps_ok = 0

    def logits(self, inputs):
        out = super().logits(inputs)
        if self.training:
            self.steps = getattr(self, "steps", 0) + 1
            if self.steps > self.steps_ok:
                out = out * float("nan")
        return out


def _diverging_task(monkeypatch, data):
    cfg = TrainConfig(epochs=3, batch_size=64, learning_rate=0.05)

    def build(data, hidden, seed):
        net = build_network_for(TASKS["nonlinear2d"], data, hidden, seed)
        model = _DivergesAtEpoch2(net.spec)
        model.load_state_dict(net.state_dict())
        model.steps_ok = math.ceil(len(data.y_train) / cfg.batch_size)  # one epoch
        return model

    task = Task("diverging", lambda seed, data_dir=None: data, (3,), cfg, cfg, build=build)
    monkeypatch.setitem(TASKS, "diverging", task)


def test_divergence_stops_with_one_line_and_a_complete_run_folder(tmp_path, monkeypatch, capsys):
    data = load_nonlinear2d("moons", n_samples=200)
    _diverging_task(monkeypatch, data)
    run = tmp_path / "run"
    assert main(["train", "--task", "diverging", "--out", str(run), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "epoch 2: loss became non-finite (last finite loss " in err
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["diverged"]["epoch"] == 2 and metrics["diverged"]["model"] == "rf"
    assert math.isfinite(metrics["diverged"]["last_finite_loss"]) and len(metrics["history"]) == 1
    assert load_checkpoint(run / "checkpoint.pt")["epoch"] == 1
    for name in ("program.json", "learning_curves.png"):
        assert (run / name).is_file()
    assert main(["evaluate", str(run)]) == 0  # the folder is the last finite epoch's network
    assert "identical" in capsys.readouterr().out


def test_trainer_restores_the_last_finite_epoch(tmp_path):
    data = load_nonlinear2d("moons", n_samples=200)
    cfg = TrainConfig(epochs=4, batch_size=64, learning_rate=0.01, cosine=False)  # epochs 1-2 as a 2-epoch run
    steps = math.ceil(len(data.y_train) / cfg.batch_size)

    class Diverging(SoftwareMLP):
        calls = 0

        def logits(self, x):
            out = super().logits(x)
            if self.training:
                self.calls += 1
                out = out * (float("inf") if self.calls > 2 * steps else 1.0)
            return out

    reference = train(SoftwareMLP((2, 8, 2), generator=torch.Generator().manual_seed(0)), data,
                      replace(cfg, epochs=2), progress=False)
    with pytest.raises(TrainingDiverged, match=r"epoch 3: loss became non-finite \(last finite loss ") as info:
        train(model := Diverging((2, 8, 2), generator=torch.Generator().manual_seed(0)), data, cfg,
              checkpoint_path=tmp_path / "c.pt", progress=False)
    assert info.value.epoch == 3 and len(info.value.history) == 2
    assert [h["loss"] for h in info.value.history] == [h["loss"] for h in reference.history]
    for a, b in zip(model.state_dict().values(), reference.model.state_dict().values()):
        assert torch.equal(a, b)  # back at the end of epoch 2
    assert load_checkpoint(tmp_path / "c.pt")["epoch"] == 2


def test_device_flags(tmp_path, capsys):
    out = tmp_path / "r"
    if not torch.cuda.is_available():
        assert main(["train", "--task", "digits", "--epochs", "0", "--out", str(out), "--device", "cuda"]) == 2
        assert "no CUDA GPU" in capsys.readouterr().err and not out.exists()
    assert main(["train", "--task", "digits", "--epochs", "0", "--out", str(out), "--device", "gpu"]) == 2
    assert "--device 'gpu'" in capsys.readouterr().err and not out.exists()
    for command in (["evaluate", str(out)], ["robustness", str(out)], ["reproduce", "ross2023"]):
        assert main([*command, "--device", "tpu"]) == 2
        assert "device 'tpu'" in capsys.readouterr().err
    with pytest.raises(RfspinError, match="RunConfig"):
        run_training({"task": "digits"})
