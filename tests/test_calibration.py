"""Calibration: resonator spectrum and oscillator P(I) fits, CSV errors, devices files, CLI."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
import torch
from scipy.stats import beta

from rfspin.calibration import (
    apply_devices,
    fit_oscillator_power,
    fit_resonator_spectrum,
    oscillator_power_curve,
    read_columns,
    read_devices,
    resonator_spectrum,
    synthetic_spectrum,
    write_devices,
)
from rfspin.calibration.devices import oscillator_entry, resonator_entry
from rfspin.cli.main import main
from rfspin.nn.network import build_rf_network
from rfspin.physics.params import ROSS2023_OSCILLATOR, ROSS2023_RESONATOR


def clopper_pearson_lower(successes: int, trials: int, confidence: float = 0.95) -> float:
    """One-sided lower confidence bound of a binomial proportion."""
    return 0.0 if successes == 0 else float(beta.ppf(1 - confidence, successes, trials - successes + 1))


def _write_csv(path, header, rows):
    path.write_text(header + "\n" + "".join(",".join(repr(float(v)) for v in r) + "\n" for r in rows))
    return path


def test_noise_free_spectrum_is_recovered_exactly():
    f = np.linspace(70e6, 90e6, 401)
    v = resonator_spectrum(torch.from_numpy(f), 80e6, 0.013, 5e3 * 0.6, 5e3 * 0.8, 2e-6, 3e-4).numpy()
    fit = fit_resonator_spectrum(f, v, power_w=2e-6)
    assert fit.resonance_frequency == pytest.approx(80e6, rel=1e-9)
    assert fit.damping == pytest.approx(0.013, rel=1e-7)
    assert fit.sensitivity == pytest.approx(5e3, rel=1e-7)
    assert fit.antisymmetric_weight == pytest.approx(0.6, abs=1e-7)
    assert fit.symmetric_weight == pytest.approx(0.8, abs=1e-7)
    assert fit.offset_voltage == pytest.approx(3e-4, abs=1e-10)
    # the fitted parameters rebuild a device whose lineshape has the measured extrema
    assert fit.to_params().sensitivity == pytest.approx(5e3, rel=1e-7)


def test_spectrum_fit_at_20db_snr_meets_tolerances_statistically():
    """f_r within 0.1 linewidth, damping and K within 2 %, over independent noisy spectra."""
    torch.set_num_threads(1)
    rng = torch.Generator().manual_seed(2024)
    trials, passes, z_scores = 30, 0, []
    for seed in range(trials):
        u = torch.rand(4, generator=rng, dtype=torch.float64).tolist()
        mix = math.pi * (u[0] - 0.5) * 0.5  # a_S / a_A mixes up to +-45 degrees
        params = replace(ROSS2023_RESONATOR, damping=0.008 + 0.006 * u[1], antisymmetric_weight=math.cos(mix),
                         symmetric_weight=math.sin(mix))
        f_r = 30e6 + 80e6 * u[2]
        f, v = synthetic_spectrum(params, f_r, snr_db=20.0, generator=torch.Generator().manual_seed(seed))
        fit = fit_resonator_spectrum(f, v)
        ok = (abs(fit.resonance_frequency - f_r) < 0.1 * params.damping * f_r
              and abs(fit.damping / params.damping - 1) < 0.02
              and abs(fit.sensitivity / params.sensitivity - 1) < 0.02)
        passes += ok
        z_scores.append((fit.resonance_frequency - f_r) / fit.uncertainty["resonance_frequency"])
    assert clopper_pearson_lower(passes, trials) > 0.8, f"{passes}/{trials} spectra within tolerance"
    # Jacobian uncertainties are honest: the z-scores have unit variance (chi-square 99 % bounds).
    chi2 = float(np.sum(np.square(z_scores)))
    assert 13.7 < chi2 < 53.7


def test_oscillator_fit_recovers_noise_free_curve_and_maps_to_params():
    o = ROSS2023_OSCILLATOR
    scale = o.power_prefactor * (o.magnetoresistance_ratio * o.spin_polarization) ** 2 * o.resistance
    i = np.linspace(2e-6, 40e-6, 60)
    p = oscillator_power_curve(torch.from_numpy(i), o.threshold_current, o.nonlinear_damping, scale).numpy()
    fit = fit_oscillator_power(i, p)
    assert fit.threshold_current == pytest.approx(o.threshold_current, rel=1e-6)
    assert fit.nonlinear_damping == pytest.approx(o.nonlinear_damping, rel=1e-5)
    assert fit.power_scale == pytest.approx(scale, rel=1e-5)
    assert fit.to_params().max_output_power == pytest.approx(o.max_output_power, rel=1e-5)


def test_oscillator_fit_refuses_curve_without_threshold():
    with pytest.raises(ValueError, match="all powers are 0"):
        fit_oscillator_power(np.linspace(1e-6, 5e-6, 20), np.zeros(20))


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty file"),
        ("freq,volts\n1,2\n3,4\n5,6\n", "lacks column"),
        ("frequency_hz,voltage_v\n1,2\n3,abc\n5,6\n", "line 3: voltage_v = 'abc' is not a number"),
        ("frequency_hz,voltage_v\n1,2\n3,nan\n5,6\n", "not finite"),
        ("frequency_hz,voltage_v\n1,2\n3\n5,6\n", "line 3: 1 cells"),
        ("frequency_hz,voltage_v\n1,2\n", "at least 3"),
    ],
)
def test_malformed_csv_files_give_clear_errors(tmp_path, text, message):
    path = tmp_path / "s.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_columns(path, ("frequency_hz", "voltage_v"))


def test_missing_file_and_unfittable_spectrum(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_columns(tmp_path / "none.csv", ("frequency_hz", "voltage_v"))
    with pytest.raises(ValueError, match="constant"):
        fit_resonator_spectrum(np.linspace(1e6, 2e6, 50), np.ones(50))
    with pytest.raises(ValueError, match="RF power"):
        fit_resonator_spectrum(np.linspace(1e6, 2e6, 50), np.arange(50.0), power_w=-1)


def _fits():
    f, v = synthetic_spectrum(replace(ROSS2023_RESONATOR, damping=0.012), 50e6, generator=torch.Generator().manual_seed(0))
    i = np.linspace(2e-6, 40e-6, 40)
    p = oscillator_power_curve(torch.from_numpy(i), 12e-6, 1.5, 1000.0).numpy()
    return fit_resonator_spectrum(f, v), fit_oscillator_power(i, p)


def test_devices_file_single_set_equals_network_built_with_those_params(tmp_path):
    res_fit, osc_fit = _fits()
    path = write_devices(tmp_path / "d.json", [resonator_entry(res_fit, "a.csv")], [oscillator_entry(osc_fit)])
    devices = read_devices(path)
    x = torch.rand(5, 8, generator=torch.Generator().manual_seed(1))
    measured = apply_devices(build_rf_network((8, 4, 3), seed=0), devices)
    reference = build_rf_network((8, 4, 3), seed=0, resonator=res_fit.to_params(), oscillator=osc_fit.to_params())
    with torch.no_grad():
        # same devices; the reference's detuning unit follows its damping, so program the same f_r
        for a, b in zip(reference.resonator_layers, measured.resonator_layers):
            a.set_resonance_frequencies(b.resonance_frequencies().double())
        assert torch.allclose(measured(x), reference(x), rtol=1e-4, atol=1e-9)


def test_devices_in_order_positions_and_count_errors(tmp_path):
    res_fit, _ = _fits()
    net = build_rf_network((3, 2), seed=0)  # 2 chains x 3 resonators
    entries = [dict(resonator_entry(res_fit), sensitivity_v_per_w=1000.0 + n) for n in range(6)]
    apply_devices(net, read_devices(write_devices(tmp_path / "d.json", entries)))
    assert net.resonator_layers[0].sensitivity.flatten().tolist() == [1000.0 + n for n in range(6)]
    override = dict(resonator_entry(res_fit), sensitivity_v_per_w=42.0, position=[0, 1, 2])
    apply_devices(net, read_devices(write_devices(tmp_path / "d.json", [override])))
    assert net.resonator_layers[0].sensitivity[1, 2].item() == 42.0
    with pytest.raises(ValueError, match="give 1"):
        apply_devices(net, read_devices(write_devices(tmp_path / "d.json", entries[:4])))
    with pytest.raises(ValueError, match="does not exist in this network"):
        apply_devices(net, read_devices(write_devices(tmp_path / "d.json", [dict(override, position=[0, 5, 0])])))


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"schema": "other"}', "not an rfspin devices file"),
        ('{"schema": "rfspin.devices", "version": 1, "resonators": [{"damping": 0.01}]}', "missing key"),
        ('{"schema": "rfspin.devices", "version": 1, "resonators": [{"sensitivity_v_per_w": -1, "damping": 0.01, '
         '"antisymmetric_weight": 1, "symmetric_weight": 0}]}', "must be > 0"),
    ],
)
def test_malformed_devices_files(tmp_path, content, message):
    path = tmp_path / "d.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        read_devices(path)


def test_cli_calibrate_then_train_with_devices(tmp_path, capsys):
    f, v = synthetic_spectrum(ROSS2023_RESONATOR, 60e6, n_points=301, generator=torch.Generator().manual_seed(3))
    spectrum = _write_csv(tmp_path / "spec.csv", "frequency_hz,voltage_v", zip(f, v))
    i = np.linspace(2e-6, 40e-6, 40)
    pi = _write_csv(tmp_path / "pi.csv", "current_a,power_w",
                    zip(i, oscillator_power_curve(torch.from_numpy(i), 1e-5, 2.0, 1250.0).numpy()))
    out = tmp_path / "devices.json"
    assert main(["calibrate", "resonator", str(spectrum), "--out", str(out)]) == 0
    assert main(["calibrate", "oscillator", str(pi), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "resonance frequency" in text and "+-" in text and "threshold current" in text
    assert (tmp_path / "spec_fit.png").stat().st_size > 1000
    devices = json.loads(out.read_text())
    assert len(devices["resonators"]) == 1 and len(devices["oscillators"]) == 1  # second call kept the first
    run = tmp_path / "run"
    assert main(["train", "--task", "digits", "--epochs", "1", "--devices", str(out), "--out", str(run),
                 "--no-plots", "--quiet"]) == 0
    program = json.loads((run / "program.json").read_text())
    assert program["layers"][0]["sensitivity_v_per_w"][0][0] == pytest.approx(devices["resonators"][0]["sensitivity_v_per_w"])
    bad = tmp_path / "bad.csv"
    bad.write_text("frequency_hz,voltage_v\n1,2\n")
    assert main(["calibrate", "resonator", str(bad), "--out", str(out)]) == 2
    assert "at least 3" in capsys.readouterr().err
