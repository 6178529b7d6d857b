"""Training-time augmentation of image inputs: random translations by whole pixels.

A shifted image is the same RF input on a chip that sees the scene displaced: every pixel's power
moves to its neighbour's tone, pixels shifted in from outside carry no power (zero padding). Used
for convolutional networks on image sets (MNIST), where it is the standard regulariser.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..errors import RfspinError

__all__ = ["random_shift"]


def random_shift(x: Tensor, image_shape: tuple[int, int, int], max_shift: int, generator: torch.Generator) -> Tensor:
    """Translate every image of ``x`` by its own random (dy, dx), each uniform in [-max_shift, max_shift].

    x: (B, C*H*W) flattened row-major or (B, C, H, W); returns the same shape and dtype.
    The draws come from ``generator`` only (two integers per image).
    """
    c, h, w = (int(v) for v in image_shape)
    if not isinstance(max_shift, int) or max_shift < 0:
        raise RfspinError(f"max_shift = {max_shift!r}: must be an integer >= 0 (pixels)")
    if x.dim() == 2 and x.shape[1] == c * h * w:
        images = x.view(x.shape[0], c, h, w)
    elif x.dim() == 4 and tuple(x.shape[1:]) == (c, h, w):
        images = x
    else:
        raise RfspinError(f"random_shift: inputs of shape {tuple(x.shape)} are not images of shape {(c, h, w)}")
    if max_shift == 0 or x.shape[0] == 0:
        return x
    if max_shift >= min(h, w):
        raise RfspinError(f"max_shift = {max_shift}: must be smaller than the image ({h} x {w})")
    b, s = images.shape[0], max_shift
    padded = torch.nn.functional.pad(images, (s, s, s, s))
    dev = x.device  # draws on the generator's device, indices where the images are
    dy, dx = torch.randint(0, 2 * s + 1, (2, b), generator=generator, device=generator.device).to(dev)
    rows = (dy[:, None] + torch.arange(h, device=dev))[:, None, :, None]  # (B, 1, H, 1)
    cols = (dx[:, None] + torch.arange(w, device=dev))[:, None, None, :]  # (B, 1, 1, W)
    batch = torch.arange(b, device=dev)[:, None, None, None]
    chans = torch.arange(c, device=dev)[None, :, None, None]
    out = padded[batch, chans, rows, cols]
    return out.reshape(x.shape)
