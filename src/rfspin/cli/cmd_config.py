"""rfspin config: print a task's complete experiment configuration, or check/resolve a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import RfspinError
from .common import lazy_help


def _task_help() -> str:
    from ..tasks import task_names

    return f"one of {task_names()}, a .npz/.h5 spectra file, or an experiment .toml file (resolved)"


def register(sub) -> None:
    p = sub.add_parser(
        "config",
        help="print or check experiment configurations (TOML)",
        description="Experiment configurations: 'show TASK' prints the complete resolved configuration as TOML "
                    "that 'rfspin train --config' accepts; 'show FILE.toml' resolves a file; 'hash' prints "
                    "the configuration's hash.",
    )
    p.add_argument("action", choices=("show", "hash"), help="show: the resolved TOML; hash: its stable hash")
    p.add_argument("target", nargs="?", default="drone", help=lazy_help(_task_help))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="sets",
                   help="set one key, VALUE a TOML literal (repeatable)")
    p.add_argument("--out", type=Path, default=None, help="write the TOML to this file instead of stdout")
    p.set_defaults(func=run)


def resolved_from(target: str, sets: list[str]) -> dict:
    """The resolved configuration of a task name, data file or experiment TOML file."""
    from ..experiment import load_config, resolve_config

    if target.lower().endswith(".toml"):
        return load_config(target, sets)
    return resolve_config({"data": {"task": target}}, sets)


def run(args: argparse.Namespace) -> int:
    from ..experiment import config_hash, config_toml
    from ..fileio import atomic_write_text

    resolved = resolved_from(args.target, args.sets)
    if args.action == "hash":
        print(config_hash(resolved))
        return 0
    text = config_toml(resolved)
    if args.out is None:
        sys.stdout.write(text)
    else:
        if args.out.is_dir():
            raise RfspinError(f"--out {str(args.out)!r} is a folder; give a file name")
        atomic_write_text(args.out, text)
        print(f"wrote {args.out}")
    return 0
