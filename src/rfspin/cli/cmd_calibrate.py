"""rfspin calibrate: fit device parameters to measured curves and write a devices file.

    rfspin calibrate resonator A.csv [B.csv ...] --power-uw 1 --out devices.json
    rfspin calibrate oscillator PI.csv [...] --out devices.json

Resonator CSV: columns frequency_hz,voltage_v (spectrum at a fixed RF power); oscillator CSV:
current_a,power_w. Each fit prints its values with 1-sigma uncertainties and writes FILE_fit.png
next to ``--out``. An existing devices file at ``--out`` keeps its other device kind.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import RfspinError


def register(sub) -> None:
    p = sub.add_parser("calibrate", help="fit device parameters to measured spectra / P(I) curves",
                       description="Least-squares fits of measured device curves; writes a devices file "
                                   "for 'rfspin train --devices'.")
    kinds = p.add_subparsers(dest="kind", metavar="KIND")
    kinds.required = True
    res = kinds.add_parser("resonator", help="spin-diode spectra: CSV columns frequency_hz,voltage_v")
    res.add_argument("files", type=Path, nargs="+", help="one spectrum per device, in device order")
    res.add_argument("--power-uw", type=float, default=1.0, help="RF power of the spectra in uW (default 1)")
    osc = kinds.add_parser("oscillator", help="oscillator P(I) curves: CSV columns current_a,power_w")
    osc.add_argument("files", type=Path, nargs="+", help="one P(I) curve per oscillator, in order")
    for q in (res, osc):
        q.add_argument("--out", type=Path, default=Path("devices.json"), help="devices file (default devices.json)")
        q.add_argument("--no-plots", action="store_true", help="skip the fit PNGs")
    p.set_defaults(func=run)


def _line(name: str, value: float, sigma: float, unit: str, scale: float = 1.0) -> str:
    return f"  {name:<22s} {value * scale:.6g} +- {sigma * scale:.2g} {unit}"


def _resonators(args, curves: list[dict]) -> list[dict]:
    import torch

    from ..calibration import fit_resonator_spectrum, resonator_entry, resonator_spectrum
    from ..plotting.calibration import plot_fit

    power = args.power_uw * 1e-6
    fits = [fit_resonator_spectrum(cols["frequency_hz"], cols["voltage_v"], power) for cols in curves]
    entries = []
    for path, cols, fit in zip(args.files, curves, fits):  # every fit succeeded: now print and plot
        u = fit.uncertainty
        print(f"{path}: resonator fit ({fit.n_points} points, residual rms {fit.residual_rms_v * 1e6:.3g} uV)")
        print(_line("resonance frequency", fit.resonance_frequency, u["resonance_frequency"], "MHz", 1e-6))
        print(_line("damping", fit.damping, u["damping"], ""))
        print(f"  {'half linewidth':<22s} {fit.half_linewidth * 1e-6:.6g} MHz")
        print(_line("sensitivity", fit.sensitivity, u["sensitivity"], "mV/uW", 1e-3))
        print(_line("antisymmetric weight", fit.antisymmetric_weight, u["antisymmetric_weight"], ""))
        print(_line("symmetric weight", fit.symmetric_weight, u["symmetric_weight"], ""))
        print(_line("offset", fit.offset_voltage, u["offset_voltage"], "uV", 1e6))
        if not args.no_plots:
            f = torch.from_numpy(cols["frequency_hz"])
            model = resonator_spectrum(f, fit.resonance_frequency, fit.damping,
                                       fit.sensitivity * fit.antisymmetric_weight,
                                       fit.sensitivity * fit.symmetric_weight, power, fit.offset_voltage).numpy()
            png = args.out.parent / f"{path.stem}_fit.png"
            plot_fit(cols["frequency_hz"], cols["voltage_v"], model, png, x_label="frequency (MHz)",
                     y_label="rectified voltage (mV)", title=f"{path.name}: spin-diode spectrum",
                     x_scale=1e-6, y_scale=1e3)
            print(f"  plot: {png}")
        entries.append(resonator_entry(fit, str(path)))
    return entries


def _oscillators(args, curves: list[dict]) -> list[dict]:
    import torch

    from ..calibration import fit_oscillator_power, oscillator_entry, oscillator_power_curve
    from ..plotting.calibration import plot_fit

    fits = [fit_oscillator_power(cols["current_a"], cols["power_w"]) for cols in curves]
    entries = []
    for path, cols, fit in zip(args.files, curves, fits):  # every fit succeeded: now print and plot
        u = fit.uncertainty
        print(f"{path}: oscillator fit ({fit.n_points} points, residual rms {fit.residual_rms_w * 1e9:.3g} nW)")
        print(_line("threshold current", fit.threshold_current, u["threshold_current"], "uA", 1e6))
        print(_line("nonlinear damping Q", fit.nonlinear_damping, u["nonlinear_damping"], ""))
        print(_line("power scale", fit.power_scale, u["power_scale"], "W/A^2"))
        print(_line("noise floor", fit.noise_floor, u["noise_floor"], "nW", 1e9))
        if not args.no_plots:
            i = torch.from_numpy(cols["current_a"])
            model = oscillator_power_curve(i, fit.threshold_current, fit.nonlinear_damping, fit.power_scale,
                                           fit.noise_floor).numpy()
            png = args.out.parent / f"{path.stem}_fit.png"
            plot_fit(cols["current_a"], cols["power_w"], model, png, x_label="current (uA)", y_label="power (nW)",
                     title=f"{path.name}: oscillator P(I)", x_scale=1e6, y_scale=1e9)
            print(f"  plot: {png}")
        entries.append(oscillator_entry(fit, str(path)))
    return entries


def run(args: argparse.Namespace) -> int:
    import math

    from ..calibration import read_columns, read_devices, write_devices

    if args.kind == "resonator" and not (math.isfinite(args.power_uw) and 0 < args.power_uw <= 1e12):
        raise RfspinError(f"--power-uw {args.power_uw}: must be a finite power > 0 (uW)")
    # every input is read and checked, and every fit done, before the first plot or file
    existing = read_devices(args.out) if args.out.is_file() else {"resonators": [], "oscillators": []}
    columns = ("frequency_hz", "voltage_v") if args.kind == "resonator" else ("current_a", "power_w")
    curves = [read_columns(path, columns) for path in args.files]
    if args.kind == "resonator":
        write_devices(args.out, _resonators(args, curves), existing.get("oscillators", []))
    else:
        write_devices(args.out, existing.get("resonators", []), _oscillators(args, curves))
    print(f"devices file: {args.out}")
    return 0
