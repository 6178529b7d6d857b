"""``rfspin`` command line. Sub-commands live in ``rfspin/cli/cmd_*.py``, discovered here.

Each ``cmd_NAME`` module defines ``register(subparsers)``, which adds its parser and sets
``func(args) -> int``. This is the only place where strings become objects.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from ..errors import RfspinError

__all__ = ["main", "build_parser", "CLIError"]


class CLIError(RfspinError):
    """A user error in the command line itself: printed as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rfspin", description="RF spintronic neural networks: train, evaluate, program, analyse."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    from . import __path__ as cli_path

    for info in sorted(pkgutil.iter_modules(cli_path), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"{__package__}.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except RfspinError as exc:  # user errors only: anything else is a bug and keeps its traceback
        print(f"rfspin {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rfspin: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
