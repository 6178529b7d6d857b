"""kernel_thread_plan: dense RF networks on the CPU run their compiled kernels on every thread and
torch on one, restoring both settings; everything else is left alone."""

import pytest
import torch

from rfspin.nn import SoftwareMLP, build_rf_network, kernel_thread_plan, uses_kernel_threads
from rfspin.nn.cnn import RFCNN, CNNSpec
from rfspin.physics import numba_support

pytest.importorskip("numba")


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_plan_applies_to_small_dense_networks_and_restores(two_threads):
    model = build_rf_network((16, 8, 3), seed=0)
    assert uses_kernel_threads(model)
    with kernel_thread_plan(model) as planned:
        assert planned
        assert torch.get_num_threads() == 1
        assert numba_support._KERNEL_THREADS[0] == 2
    assert torch.get_num_threads() == 2 and numba_support._KERNEL_THREADS[0] is None
    with pytest.raises(RuntimeError, match="boom"), kernel_thread_plan(model):
        raise RuntimeError("boom")
    assert torch.get_num_threads() == 2 and numba_support._KERNEL_THREADS[0] is None


def test_plan_leaves_other_models_alone(two_threads):
    large = build_rf_network((784, 300, 10), seed=0)  # its kernels outlast torch's spinning workers
    others = [SoftwareMLP((16, 8, 3)), large,
              RFCNN(CNNSpec(image_shape=(1, 8, 8), convs=((2, 3, 1, 0, 2),), hidden=(), n_classes=3),
                    generator=torch.Generator().manual_seed(0))]
    for model in others:
        assert not uses_kernel_threads(model)
        with kernel_thread_plan(model) as planned:
            assert not planned and torch.get_num_threads() == 2 and numba_support._KERNEL_THREADS[0] is None
    with kernel_thread_plan(build_rf_network((16, 8, 3), seed=0), threads=1) as planned:
        assert not planned and torch.get_num_threads() == 2


def test_trainer_runs_under_the_plan(two_threads, monkeypatch):
    from rfspin.data.datasets import RFDataset
    from rfspin.train import trainer

    seen = []
    original = trainer.kernel_thread_plan

    def spy(model):
        seen.append(type(model).__name__)
        return original(model)

    monkeypatch.setattr(trainer, "kernel_thread_plan", spy)
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(24, 16, generator=g), torch.randint(0, 3, (24,), generator=g)
    data = RFDataset("tiny", x, y, x[:8], y[:8], ("a", "b", "c"))
    trainer.train(build_rf_network((16, 8, 3), seed=0), data, trainer.TrainConfig(epochs=1, batch_size=8),
                  progress=False)
    assert seen == ["RFNetwork"] and torch.get_num_threads() == 2


def test_plan_rejects_bad_thread_counts():
    from rfspin.errors import RfspinError

    model = build_rf_network((16, 8, 3), seed=0)
    for bad in (0, -2, 1.5, True):
        with pytest.raises(RfspinError, match="threads"), kernel_thread_plan(model, threads=bad):
            pass
