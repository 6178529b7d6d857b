"""Training: learns, is seeded, and resuming equals an uninterrupted run."""

import pytest
import torch

from rfspin.data import load_nonlinear2d
from rfspin.nn import SoftwareMLP, build_rf_network
from rfspin.train import TrainConfig, evaluate_accuracy, load_checkpoint, model_record, save_checkpoint, train


@pytest.fixture(scope="module")
def moons():
    return load_nonlinear2d("moons", n_samples=300)


def _net(seed=0):
    return build_rf_network((2, 4, 2), seed=seed, readout_scale=1e-3, min_frequency=30e6, max_frequency=90e6)


def test_rf_network_learns_moons(moons, devices):
    net = _net().to(devices)
    before = evaluate_accuracy(net, moons.x_test, moons.y_test)
    res = train(net, moons, TrainConfig(epochs=40, batch_size=32, learning_rate=0.05), progress=False)
    assert res.test_accuracy > max(0.85, before + 0.1)
    assert res.history[-1]["loss"] < res.history[0]["loss"]
    assert len(res.history) == 40


def test_resume_equals_uninterrupted(moons, tmp_path, devices):
    cfg = TrainConfig(epochs=6, batch_size=32, learning_rate=0.05, seed=3)
    full = train(_net(1).to(devices), moons, cfg, checkpoint_path=tmp_path / "full.pt", progress=False)
    # the same 6-epoch run killed during epoch 4 (after its epoch-3 checkpoint), then resumed
    part = tmp_path / "part.pt"
    net = _net(1).to(devices)

    class Stop(Exception):
        pass

    calls = {"n": 0}

    def stop_after_epoch_3(model):
        calls["n"] += 1
        if calls["n"] > 3 * 7:  # 7 steps per epoch (210 samples / 32)
            raise Stop

    with pytest.raises(Stop):
        train(net, moons, cfg, checkpoint_path=part, progress=False, step_hook=stop_after_epoch_3)
    assert load_checkpoint(part)["epoch"] == 3
    resumed = train(_net(99).to(devices), moons, cfg, checkpoint_path=part, resume=True, progress=False)
    for a, b in zip(full.model.state_dict().values(), resumed.model.state_dict().values()):
        assert torch.equal(a, b)
    assert [h["loss"] for h in full.history] == [h["loss"] for h in resumed.history]


def test_seeded_training_is_deterministic(moons):
    cfg = TrainConfig(epochs=2, batch_size=32, seed=5)
    a = train(_net(2), moons, cfg, progress=False)
    b = train(_net(2), moons, cfg, progress=False)
    assert a.history[-1]["loss"] == b.history[-1]["loss"]


def test_software_baseline_trains(moons):
    res = train(SoftwareMLP((2, 16, 2), generator=torch.Generator().manual_seed(0)), moons,
                TrainConfig(epochs=30, learning_rate=0.01), progress=False)
    assert res.test_accuracy > 0.85


def test_bad_config_and_checkpoints(tmp_path, moons):
    with pytest.raises(ValueError, match="epochs = -1"):
        TrainConfig(epochs=-1)
    with pytest.raises(ValueError, match="learning_rate = nan"):
        TrainConfig(learning_rate=float("nan"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_checkpoint(tmp_path / "none.pt")
    (tmp_path / "bad.pt").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="corrupted"):
        load_checkpoint(tmp_path / "bad.pt")
    save_checkpoint(tmp_path / "other.pt", {"x": torch.ones(2)})
    with pytest.raises(ValueError, match="missing key 'model'"):
        load_checkpoint(tmp_path / "other.pt")
    net = _net()
    save_checkpoint(tmp_path / "ok.pt", {"model": model_record(net), "x": torch.ones(2)})
    loaded = load_checkpoint(tmp_path / "ok.pt", model=net)
    assert torch.equal(loaded["x"], torch.ones(2))
    assert loaded["model"]["state"].keys() == net.state_dict().keys()
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train(_net(), moons, TrainConfig(epochs=1), checkpoint_path=tmp_path / "x.pt", resume=True, progress=False)
