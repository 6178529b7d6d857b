"""Arguments shared by several commands."""

from __future__ import annotations

import argparse

import torch

from ..device import resolve_device

__all__ = ["add_device_argument", "device_from_args"]


def add_device_argument(parser: argparse.ArgumentParser) -> None:
    """``--device auto|cpu|cuda|cuda:N`` (default auto: a GPU when one is visible)."""
    parser.add_argument(
        "--device", default="auto", metavar="auto|cpu|cuda",
        help="where to compute: auto (a GPU when visible, else CPU), cpu, cuda or cuda:N (default auto)",
    )


def device_from_args(args: argparse.Namespace) -> torch.device:
    return resolve_device(getattr(args, "device", "auto"))
