"""rfspin reproduce: re-run a published experiment over several seeds and write its table."""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path

from ..errors import RfspinError
from .common import add_device_argument, device_from_args, lazy_help


def _studies():
    from ..tasks import (  # noqa: F401  (register torrejon2017, romera2018)
        mnist,  # noqa: F401  (registers leroux2022)
        pbits,  # noqa: F401  (registers borders2019)
        reservoir,
        vowels,
    )
    from ..tasks import population as _population  # noqa: F401  (registers mizrahi2018)
    from ..tasks.reproduce import STUDIES

    return STUDIES


def register(sub) -> None:
    p = sub.add_parser("reproduce", help="reproduce a published result (table of mean +- std over seeds)")
    p.add_argument("study", help=lazy_help(lambda: f"one of {sorted(_studies())}"))
    p.add_argument("--seeds", type=int, default=None, help="number of seeds (default: the study's, 5 for ross2023)")
    p.add_argument("--data-dir", type=Path, default=None, help="folder of external data (MNIST IDX files)")
    p.add_argument("--epochs", type=int, default=None, help="override the study's epochs")
    p.add_argument("--out", type=Path, default=None, help="output folder (default runs/reproduce-STUDY)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_device_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    STUDIES = _studies()
    if args.study not in STUDIES:
        raise RfspinError(f"unknown study {args.study!r}: choose one of {sorted(STUDIES)}")
    if args.seeds is not None and args.seeds < 1:
        raise RfspinError(f"--seeds {args.seeds}: must be >= 1")
    out = args.out or Path("runs") / f"reproduce-{args.study}"
    kwargs = {"epochs": args.epochs, "progress": not args.quiet}
    if args.seeds is not None:
        kwargs["seeds"] = args.seeds
    if args.data_dir is not None:
        if "data_dir" not in inspect.signature(STUDIES[args.study]).parameters:
            raise RfspinError(f"study {args.study!r} uses shipped data: --data-dir does not apply")
        kwargs["data_dir"] = args.data_dir
    device = device_from_args(args)  # checked before any run starts
    if "device" in inspect.signature(STUDIES[args.study]).parameters:
        kwargs["device"] = str(device)
    elif device.type != "cpu":
        raise RfspinError(f"study {args.study!r} runs on the CPU only: --device {args.device} does not apply")
    result = STUDIES[args.study](out, **kwargs)
    print(result["markdown"])
    print(f"written: {out / 'table.md'}")
    return 0
