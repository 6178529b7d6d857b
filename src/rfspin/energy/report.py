"""Text tables and files (energy.json + PNG) of an energy estimate and of the platform comparison."""

from __future__ import annotations

import math
from pathlib import Path

from ..fileio import atomic_write_json
from .model import TERMS, EnergyEstimate
from .platforms import Platform

__all__ = ["si", "format_energy_table", "write_energy_report", "comparison_rows", "format_comparison_table"]

_PREFIXES = ((1e-15, "f"), (1e-12, "p"), (1e-9, "n"), (1e-6, "u"), (1e-3, "m"), (1.0, ""), (1e3, "k"), (1e6, "M"))


def si(value: float, unit: str) -> str:
    """1.03e-9, 'J' -> '1.03 nJ' (engineering prefix, 3 significant digits)."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}"
    scale, prefix = _PREFIXES[0]
    for s, p in _PREFIXES:
        if abs(value) >= s:
            scale, prefix = s, p
    return f"{value / scale:.3g} {prefix}{unit}"


def format_energy_table(est: EnergyEstimate, title: str = "") -> str:
    """Per-layer counts, energy, latency and area, then totals per classification."""
    head = f"{'layer':>5} {'kind':<22} {'resonators':>11} {'chains':>7} {'oscill.':>8} {'evals':>6} " \
           f"{'syn. ops':>11} {'energy':>10} {'latency':>10} {'area':>11}"
    lines = [title] if title else []
    lines += [head, "-" * len(head)]
    for e in est.layers:
        c = e["counts"]
        name = "in" if e["index"] < 0 else str(e["index"])
        lines.append(
            f"{name:>5} {e['kind']:<22} {c.get('n_resonators', 0):>11,} {c.get('n_chains', 0):>7,} "
            f"{c.get('n_oscillators', 0):>8,} {c.get('evaluations', 1):>6,} {c.get('synaptic_ops', 0):>11,} "
            f"{si(e['total_energy_j'], 'J'):>10} {si(e['latency_s'], 's'):>10} {e['area_m2'] * 1e12:>9.4g} um2"
        )
    t = est.totals
    per_op = est.per_op()
    lines += [
        "-" * len(head),
        f"counts: {t.n_neurons:,} neurons (input tones + oscillators), {t.n_synapses:,} synapses (resonators), "
        f"{t.synaptic_ops:,} synaptic ops, {t.macs:,} effective MACs, {t.n_chains:,} chains, "
        f"footprint {t.footprint_devices:,} devices",
        "energy terms: " + ", ".join(f"{name} {si(est.terms_j[name], 'J')}" for name in TERMS)
        + (f"  (off: {', '.join(est.disabled)})" if est.disabled else ""),
        f"per op: {si(per_op['energy_per_synaptic_op_j'], 'J')} per synaptic op, "
        f"{si(per_op['energy_per_neuron_op_j'], 'J')} per neuron op",
        f"TOTAL per classification: energy {si(est.energy_per_inference_j, 'J')}, latency {si(est.latency_s, 's')}, "
        f"throughput {est.throughput_per_s:.4g}/s ({est.pipelined_throughput_per_s:.4g}/s pipelined), "
        f"average power {si(est.average_power_w, 'W')}, area {est.area_m2 * 1e6:.4g} mm2 "
        f"[preset {est.preset.name}]",
    ]
    return "\n".join(lines)


def write_energy_report(est: EnergyEstimate, out_dir: str | Path, *, source: str, title: str = "",
                        plot: bool = True, extra: dict | None = None) -> list[Path]:
    """``energy.json`` (with ``extra`` keys, e.g. measured activity) and ``energy_breakdown.png``
    (unless ``plot`` is False) in ``out_dir``."""
    out = Path(out_dir)
    paths = [atomic_write_json(out / "energy.json", {"source": source, **est.to_dict(), **(extra or {})})]
    if not plot:
        return paths
    from ..plotting.energy import plot_energy_breakdown

    labels = ["inputs" if e["index"] < 0 else f"{e['index']}: {e['kind']}" for e in est.layers]
    paths.append(plot_energy_breakdown(labels, [e["energy_j"] for e in est.layers], list(TERMS),
                                       out / "energy_breakdown.png",
                                       title=title or f"{source}: {si(est.energy_per_inference_j, 'J')} per inference "
                                                      f"({est.preset.name})"))
    return paths


def comparison_rows(platforms: list[Platform], networks: list[dict]) -> list[dict]:
    """Rows of the comparison: published platforms, then rfspin networks.

    ``networks``: dicts with name, energy_per_classification_j, classifications_per_s,
    test_accuracy_percent (None when not measured), source.
    """
    rows = [{"name": p.label, "kind": "published", "network": p.network,
             "energy_per_classification_j": p.energy_per_classification_j,
             "classifications_per_s": p.classifications_per_s, "test_accuracy_percent": p.test_accuracy_percent,
             "source": p.source} for p in platforms]
    rows += [{"kind": "rfspin", **n} for n in networks]
    return rows


def format_comparison_table(rows: list[dict]) -> str:
    head = f"{'platform / network':<44} {'network':<16} {'energy/class.':>13} {'class./s':>11} {'accuracy':>9}"
    lines = [head, "-" * len(head)]
    for r in sorted(rows, key=lambda r: r["energy_per_classification_j"]):
        acc = r.get("test_accuracy_percent")
        lines.append(f"{r['name'][:44]:<44} {str(r.get('network', ''))[:16]:<16} "
                     f"{si(r['energy_per_classification_j'], 'J'):>13} {r['classifications_per_s']:>11.4g} "
                     f"{'n/a' if acc is None else f'{acc:.1f} %':>9}")
    return "\n".join(lines)
