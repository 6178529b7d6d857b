"""Arguments and helpers shared by several commands (no heavy imports here: see cli/main.py)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["add_device_argument", "device_from_args", "lazy_help"]


def add_device_argument(parser: argparse.ArgumentParser) -> None:
    """``--device auto|cpu|cuda|cuda:N`` (default auto: a GPU when one is visible)."""
    parser.add_argument(
        "--device", default="auto", metavar="auto|cpu|cuda",
        help="where to compute: auto (a GPU when visible, else CPU), cpu, cuda or cuda:N (default auto)",
    )


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
