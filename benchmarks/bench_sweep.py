"""Sweep acceptance: a Ray sweep with one worker killed (kill -9) mid-sweep, a rerun, a sequential loop.

    python benchmarks/bench_sweep.py [--epochs 20] [--num-cpus 2] [--out bench-sweep]

Runs examples/experiments/drone_sweep.toml (3 input powers x 2 bands x 3 seeds = 18 trials) on a
local Ray instance with ``--num-cpus`` CPUs (1 per trial), kills one running trial's process once
a third of the trials have finished, checks that all 18 finish, runs the sweep again (0 trials
must execute), then runs the same 18 trials sequentially (--backend local) and prints the Ray
wall time against the ideal split of the sequential time (sequential / num_cpus).
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

from rfspin.scale import PID_FILE, load_sweep, run_sweep

SWEEP = Path(__file__).resolve().parents[1] / "examples" / "experiments" / "drone_sweep.toml"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _killer(out: Path, after: int, killed: list, stop: threading.Event) -> None:
    """Kill -9 the process of a running trial once ``after`` results exist."""
    while not stop.is_set():
        if len(list(out.glob("results/*.json"))) >= after:
            for pid_file in out.glob(f"trials/*/{PID_FILE}"):
                if not (out / "results" / f"{pid_file.parent.name}.json").exists():
                    pid = int(pid_file.read_text())
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        continue
                    killed.append((pid_file.parent.name, pid, time.strftime("%H:%M:%S")))
                    return
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--num-cpus", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("bench-sweep"))
    args = parser.parse_args()
    plan = load_sweep(SWEEP, [f"training.epochs={args.epochs}"])
    ray_plan = replace(plan, out_dir=args.out / "ray")
    print(f"{len(plan.trials)} trials, {args.epochs} epochs each; load average before: {_load()}")

    killed: list = []
    stop = threading.Event()
    killer = threading.Thread(target=_killer, args=(ray_plan.out_dir, max(1, len(plan.trials) // 3), killed, stop))
    killer.start()
    ray = run_sweep(ray_plan, backend="ray", num_cpus=args.num_cpus, progress=False)
    stop.set()
    killer.join()
    print(f"ray: {ray['executed']} executed, {len(ray['failed'])} failed, {ray['wall_s']:.1f} s; "
          f"killed (kill -9) {killed or 'nothing'}; load average {_load()}")
    again = run_sweep(ray_plan, backend="ray", num_cpus=args.num_cpus, progress=False)
    print(f"rerun: {again['executed']} executed, {again['skipped']} skipped ({again['wall_s']:.1f} s)")

    local = run_sweep(replace(plan, out_dir=args.out / "local"), backend="local", progress=False)
    ideal = local["wall_s"] / args.num_cpus
    print(f"sequential: {local['executed']} executed, {local['wall_s']:.1f} s; load average {_load()}")
    print(f"ray wall {ray['wall_s']:.1f} s vs ideal split {ideal:.1f} s (sequential / {args.num_cpus}): "
          f"overhead {100 * (ray['wall_s'] / ideal - 1):+.1f} %")
    for entry in ray["summary"]:
        print(f"  power {entry['network.input_power_w']} band {entry['band'][:60]}: "
              f"{100 * entry['test_accuracy_mean']:.2f} +- {100 * entry['test_accuracy_std']:.2f} %")


if __name__ == "__main__":
    main()
