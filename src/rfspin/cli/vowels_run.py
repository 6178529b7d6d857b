"""Work of ``rfspin vowels`` (imported inside run)."""

from __future__ import annotations

import argparse

from ..oscillatory.vowels import VowelNetworkConfig
from ..tasks.vowels import ROMERA_STYLE_VOWELS, VowelTaskConfig, run_vowels_task
from .common import device_from_args


def run_vowels_command(args: argparse.Namespace) -> int:
    device = device_from_args(args)
    network = VowelNetworkConfig(coupling=args.coupling, temperature=args.temperature, seed=args.seed,
                                 drive_amplitude=args.drive_amplitude, duration=args.duration, decoder=args.decoder,
                                 features=args.features, window_start=args.window_start)
    config = VowelTaskConfig(data_dir=args.data_dir, out_dir=args.out, vowels=tuple(args.vowels or ROMERA_STYLE_VOWELS),
                             groups=args.groups, network=network, epochs=args.epochs, seed=args.seed,
                             progress=not args.quiet, validation=args.validation, learning_rate=args.learning_rate,
                             training_temperature=args.training_temperature,
                             device=str(device))
    m = run_vowels_task(config)
    what = "validation" if args.validation else "test"
    print(f"vowels: oscillators {100 * m['test_accuracy']:.2f} % {what} ({m['training']}; Romera rule "
          f"{100 * m['romera_rule']['test_accuracy']:.2f} %, gradient {100 * m['gradient']['test_accuracy']:.2f} %), "
          f"best software baseline {100 * m['baseline_test_accuracy']:.2f} %")
    print(f"written: {args.out}")
    return 0
