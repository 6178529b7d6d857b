"""Work of ``rfspin vowels`` (imported inside run)."""

from __future__ import annotations

import argparse

from ..oscillatory.vowels import VowelNetworkConfig
from ..tasks.vowels import ROMERA_STYLE_VOWELS, VowelTaskConfig, run_vowels_task


def run_vowels_command(args: argparse.Namespace) -> int:
    network = VowelNetworkConfig(coupling=args.coupling, temperature=args.temperature, seed=args.seed)
    config = VowelTaskConfig(data_dir=args.data_dir, out_dir=args.out, vowels=tuple(args.vowels or ROMERA_STYLE_VOWELS),
                             groups=args.groups, network=network, epochs=args.epochs, seed=args.seed,
                             progress=not args.quiet)
    m = run_vowels_task(config)
    print(f"vowels: oscillators {100 * m['test_accuracy']:.2f} % test ({m['training']}; Romera rule "
          f"{100 * m['romera_rule']['test_accuracy']:.2f} %, gradient {100 * m['gradient']['test_accuracy']:.2f} %), "
          f"best software baseline {100 * m['baseline_test_accuracy']:.2f} %")
    print(f"written: {args.out}")
    return 0
