"""Random image translations: exact shifts, zero fill, explicit generator, clear errors."""

import pytest
import torch

from rfspin.data.datasets import RFDataset
from rfspin.nn import SoftwareMLP
from rfspin.train import TrainConfig, train
from rfspin.train.augment import random_shift


def _images(b=64, c=2, h=7, w=9):
    return torch.arange(b * c * h * w, dtype=torch.float32).reshape(b, c, h, w) + 1.0


def test_every_image_is_an_exact_translation_with_zero_fill():
    x = _images()
    out = random_shift(x, (2, 7, 9), 2, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    seen = set()
    for img, src in zip(out, x):
        matches = []
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                ref = torch.zeros_like(src)
                # output pixel (r, c) = input pixel (r + dy, c + dx), zero outside
                ref[:, max(0, -dy):7 - max(0, dy), max(0, -dx):9 - max(0, dx)] = \
                    src[:, max(0, dy):7 - max(0, -dy), max(0, dx):9 - max(0, -dx)]
                if torch.equal(img, ref):
                    matches.append((dy, dx))
        assert len(matches) == 1
        seen.add(matches[0])
    # 64 draws over 25 shifts: all 25 missing one given shift has probability (24/25)^64 < 8 %,
    # so requiring at least 15 distinct shifts cannot fail by chance in practice (P < 1e-9)
    assert len(seen) >= 15


def test_flattened_inputs_seeded_and_identity_at_zero():
    x = _images(c=1).flatten(1)
    a = random_shift(x, (1, 7, 9), 1, torch.Generator().manual_seed(5))
    b = random_shift(x, (1, 7, 9), 1, torch.Generator().manual_seed(5))
    assert a.shape == x.shape and torch.equal(a, b)
    assert random_shift(x, (1, 7, 9), 0, torch.Generator()) is x
    # a shift never creates power: the total per image can only drop (pixels leave the frame)
    assert bool((a.sum(1) <= x.sum(1) + 1e-3).all())


@pytest.mark.parametrize("shift, shape, match", [(-1, (1, 7, 9), "max_shift"), (7, (1, 7, 9), "smaller than"),
                                                 (1, (1, 8, 8), "not images")])
def test_bad_inputs_name_the_value(shift, shape, match):
    with pytest.raises(ValueError, match=match):
        random_shift(_images(c=1).flatten(1), shape, shift, torch.Generator())


def test_trainer_uses_shifts_only_for_image_sets():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(40, 16, generator=g)
    y = (x[:, :8].sum(1) > x[:, 8:].sum(1)).long()
    flat = RFDataset("toy", x[:30], y[:30], x[30:], y[30:], ("a", "b"))
    with pytest.raises(ValueError, match="image_shape"):
        train(SoftwareMLP((16, 2)), flat, TrainConfig(epochs=1, max_shift=1), progress=False)
    with pytest.raises(ValueError, match="max_shift"):
        TrainConfig(max_shift=-2)
    images = RFDataset("toy", x[:30], y[:30], x[30:], y[30:], ("a", "b"), image_shape=(1, 4, 4))
    plain = train(SoftwareMLP((16, 2), generator=torch.Generator().manual_seed(1)), images,
                  TrainConfig(epochs=2, batch_size=8), progress=False)
    shifted = train(SoftwareMLP((16, 2), generator=torch.Generator().manual_seed(1)), images,
                    TrainConfig(epochs=2, batch_size=8, max_shift=1), progress=False)
    again = train(SoftwareMLP((16, 2), generator=torch.Generator().manual_seed(1)), images,
                  TrainConfig(epochs=2, batch_size=8, max_shift=1), progress=False)
    assert plain.history[-1]["loss"] != shifted.history[-1]["loss"]  # the shifts reach the model
    assert shifted.history[-1]["loss"] == again.history[-1]["loss"]  # and are seeded
