"""``rfspin`` command line. Sub-commands live in ``rfspin/cli/cmd_*.py``, discovered here.

Each ``cmd_NAME`` module defines ``register(subparsers)``, which adds its parser and sets
``func(args) -> int``. This is the only place where strings become objects.

RULE for every ``cmd_*.py`` (enforced by tests/test_packaging.py): no torch, numpy, matplotlib,
scipy, sklearn or h5py import at module level, and none in ``register`` - import them inside
``run``. ``rfspin --help`` builds every parser and must stay fast (< 1.5 s); help texts that need
a registry (task names, presets) use :func:`rfspin.cli.common.lazy_help`.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from ..errors import RfspinError

__all__ = ["main", "console_main", "build_parser", "CLIError", "command_modules"]


class CLIError(RfspinError):
    """A user error in the command line itself: printed as one line, exit status 2."""


def command_modules() -> list[str]:
    """Names of the ``rfspin.cli.cmd_*`` modules, sorted."""
    from . import __path__ as cli_path

    return sorted(f"{__package__}.{m.name}" for m in pkgutil.iter_modules(cli_path) if m.name.startswith("cmd_"))


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="rfspin", description="RF spintronic neural networks: train, evaluate, program, analyse."
    )
    parser.add_argument("--version", action="version", version=f"rfspin {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in command_modules():
        importlib.import_module(name).register(sub)
    return parser


def one_line(message: str) -> str:
    """The message on one line (multi-line library messages are joined)."""
    return " ".join(part.strip() for part in str(message).splitlines() if part.strip())


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except RfspinError as exc:  # user errors only: anything else is a bug and keeps its traceback
        print(f"rfspin {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rfspin: interrupted", file=sys.stderr)
        return 130


def console_main() -> int:
    """Entry point of the ``rfspin`` program (console script, ``python -m rfspin.cli``): :func:`main`
    with the garbage collector tuned for a process that imports torch. Not in :func:`main`, which
    tests and scripts call in-process.

    - Full collections are considered every 100 young (generation-1) collections, not 10: importing
      torch and torch._dynamo creates ~10^6 long-lived objects, and the default threshold runs ~6 full
      collections while they load (~0.45 s of a ``train`` command), each freeing nothing. Young
      garbage is collected as before (generations 0 and 1).
    - At exit, ``gc.freeze()``: shutdown's collections would walk all those objects again (~0.7 s);
      frozen, they are left to the OS with the process. Registered first, so it runs after every
      other exit handler (atexit is last-in first-out).
    """
    import atexit
    import gc

    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 100)
    atexit.register(gc.freeze)
    return main()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(console_main())
