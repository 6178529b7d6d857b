"""Implementation of ``rfspin simulate network`` (imported only when the command runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from ..energy import estimate_energy, network_counts, preset_for
from ..errors import RfspinError
from ..fileio import atomic_write_json
from ..nn.network import RFNetwork
from ..nn.time_domain import run_network_in_time
from ..tasks import load_run_model, task_for
from ..tasks.experiment import read_run_metrics
from ..validation import check_number

__all__ = ["run_network"]


def run_network(args: argparse.Namespace) -> int:
    duration = check_number(args.duration_us, "--duration-us", gt=0.0) * 1e-6
    time_step = None if args.time_step_ns is None else check_number(args.time_step_ns, "--time-step-ns", gt=0.0) * 1e-9
    preset = preset_for(args.energy_preset)
    stored = read_run_metrics(args.run_dir)
    model = load_run_model(args.run_dir, "cpu")
    if not isinstance(model, RFNetwork):
        raise RfspinError(f"{args.run_dir}: simulate network needs a dense RF network (got {type(model).__name__})")
    data = task_for(stored["task"]).load(int(stored.get("seed", 0)), None)
    count = len(data.x_test)
    sample = check_number(args.sample, "--sample", ge=0, integer=True)
    if sample >= count:
        raise RfspinError(f"--sample = {sample}: the test set has {count} samples (0..{count - 1})")
    x = torch.as_tensor(data.x_test[sample])
    result = run_network_in_time(model, x, duration=duration, time_step=time_step, resonators=args.resonators)
    latency = estimate_energy(network_counts(model), preset).latency_s
    out = args.out or Path(args.run_dir) / f"time-domain-sample{sample}"
    summary = {
        "run_dir": str(args.run_dir), "task": stored["task"], "sample": sample, "sizes": list(model.spec.sizes),
        "resonators": args.resonators, "time_step_s": result.time_step, "duration_s": float(result.time_s[-1]),
        "settling_time_s": result.settling_time if result.settling_time != float("inf") else None,
        "tolerance": result.tolerance, "energy_model_latency_s": latency, "energy_preset": preset.name,
        "steady_state_deviation": result.steady_state_deviation,
        "static_outputs_v": result.static_outputs.tolist(), "final_outputs_v": result.outputs[-1].tolist(),
        "predicted_class_static": int(result.static_outputs.argmax()),
        "predicted_class_final": int(result.outputs[-1].argmax()),
    }
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "network_time.json", summary)
    if not args.no_plot:
        from ..plotting.dynamics import plot_network_transient

        plot_network_transient(result.time_s.numpy(), result.outputs.numpy(), result.static_outputs.numpy(),
                               result.settling_time, latency, out / "network_time.png")
    settle = "never (within the window)" if summary["settling_time_s"] is None else \
        f"{result.settling_time * 1e6:.3g} us"
    print(f"rfspin simulate network: {stored['task']} sample {sample}, sizes {list(model.spec.sizes)}: outputs settle "
          f"within {100 * result.tolerance:g} % in {settle}; energy model ({preset.name}) assumes "
          f"{latency * 1e6:.3g} us; steady state vs static forward pass: max deviation "
          f"{result.steady_state_deviation:.2g} (relative); results in {out}")
    return 0
