"""Arguments and helpers shared by several commands (no heavy imports here: see cli/main.py)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

__all__ = ["add_config_device_argument", "add_device_argument", "config_device_sets", "device_from_args", "lazy_help"]


def add_device_argument(parser: argparse.ArgumentParser) -> None:
    """``--device auto|cpu|cuda|cuda:N`` (default auto: a GPU when one is visible)."""
    parser.add_argument(
        "--device", default="auto", metavar="auto|cpu|cuda",
        help="where to compute: auto (a GPU when visible, else CPU), cpu, cuda or cuda:N (default auto)",
    )


def add_config_device_argument(parser: argparse.ArgumentParser) -> None:
    """``--device`` for commands whose trials run experiment configurations (sweep, tune): it sets
    the configurations' ``device`` key (default: the file's, itself ``auto`` unless set)."""
    parser.add_argument(
        "--device", default=None, metavar="auto|cpu|cuda",
        help="where every trial computes: auto, cpu, cuda or cuda:N (sets the base configuration's "
             "device key; default: the file's)",
    )


def config_device_sets(args: argparse.Namespace) -> list[str]:
    """The ``device=...`` setting that ``--device`` adds to a sweep's or search's base (none if not given).

    Checked here for its form only: the trials may run on other machines (a Ray cluster) whose GPUs
    this one does not see.
    """
    device = getattr(args, "device", None)
    if device is None:
        return []
    if not re.fullmatch(r"auto|cpu|cuda(:\d+)?", device):
        from ..errors import RfspinError

        raise RfspinError(f"--device {device!r}: expected auto, cpu, cuda or cuda:N")
    return [f'device="{device}"']


def device_from_args(args: argparse.Namespace):
    """The torch.device of ``--device`` (imports torch)."""
    from ..device import resolve_device

    return resolve_device(getattr(args, "device", "auto"))


class _LazyHelp(str):
    """A help string computed only when argparse formats it (``help % params``)."""

    def __new__(cls, build: Callable[[], str]):
        obj = super().__new__(cls, "(computed when shown)")
        obj._build = build
        return obj

    def __mod__(self, params):
        return self._build().replace("%", "%%") % params


def lazy_help(build: Callable[[], str]) -> str:
    """Help text that needs a registry (task names, presets): built when ``--help`` shows it, so
    that registering the parser imports nothing heavy."""
    return _LazyHelp(build)
