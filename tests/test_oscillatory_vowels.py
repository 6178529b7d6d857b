"""Vowel data reader and the synchronization network (Romera et al. 2018)."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from rfspin.cli.main import main
from rfspin.data.vowels import load_vowels, talker_split
from rfspin.dynamics.oscillator import locking_half_width
from rfspin.errors import RfspinError
from rfspin.oscillatory.vowels import (
    VOWEL_OSCILLATOR,
    VowelNetworkConfig,
    _logits,
    band,
    classify,
    evaluate,
    fit_readout,
    initial_currents,
    oscillator_frequencies,
    synchronization,
    target_patterns,
    train_gradient,
)

P = VOWEL_OSCILLATOR
HEADER = "(c) 1995 James Hillenbrand\n\n  1    2   3    4    5 ...\n"
MEANS = {"iy": (440, 2760), "uw": (460, 1100), "ah": (920, 1530), "ih": (480, 2360), "eh": (730, 2060),
         "ae": (860, 2320), "er": (500, 1590)}


def write_vowdata(folder, talkers=12, vowels=("iy", "uw", "ah"), extra=""):
    rng = np.random.default_rng(0)
    lines = [HEADER]
    for t in range(1, talkers + 1):
        for v in vowels:
            f1, f2 = np.array(MEANS[v]) * (1 + 0.04 * rng.normal(size=2))
            nums = [250, 200, int(f1), int(f2), 2900, 3900] + [0] * 9
            lines.append(f"w{t:02d}{v} " + " ".join(str(n) for n in nums))
    lines.append("m01iy 300 120 0 2200 2900 3900 0 0 0 0 0 0 0 0 0")  # a man, unmeasurable F1
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vowdata.dat").write_text("\n".join(lines) + "\n" + extra)
    return folder


def test_load_vowels_and_talker_split(tmp_path):
    folder = write_vowdata(tmp_path / "v")
    data = load_vowels(folder, vowels=("iy", "uw", "ah"), groups="w")
    assert len(data) == 36 and data.formants.shape == (36, 2)
    assert set(data.labels.tolist()) == {0, 1, 2}
    everyone = load_vowels(folder, vowels=("iy",), groups="mw")
    assert len(everyone) == 12 and everyone.dropped == 1
    train, test = talker_split(data, seed=1)
    assert not ({t for t, m in zip(data.talkers, train) if m} & {t for t, m in zip(data.talkers, test) if m})
    assert test.sum() == 12 and (train | test).all()


def test_vowel_reader_errors(tmp_path):
    folder = write_vowdata(tmp_path / "v")
    with pytest.raises(RfspinError, match=r"no measurable tokens of vowel\(s\) \['eh'\]"):
        load_vowels(folder, vowels=("iy", "eh"))
    with pytest.raises(RfspinError, match="choose from"):
        load_vowels(folder, vowels=("xx",))
    with pytest.raises(RfspinError, match="no vowdata.dat"):
        load_vowels(tmp_path / "missing")
    bad = write_vowdata(tmp_path / "bad", extra="w99iy 1 2 3\n")
    with pytest.raises(RfspinError, match="4 columns"):
        load_vowels(bad)
    worse = write_vowdata(tmp_path / "worse", extra="w99iy " + " ".join(["x"] * 15) + "\n")
    with pytest.raises(RfspinError, match="non-numeric"):
        load_vowels(worse)


def test_single_oscillator_locks_within_the_adler_range():
    """One oscillator, one drive near its frequency: S ~ 1 at half the analytic locking half-width
    (F sqrt(1 + nu^2) / sqrt(p0)), small at twice it."""
    config = VowelNetworkConfig(oscillators=1, coupling=0.0, drive_amplitude=2e5, duration=6e-6, time_step=5e-9,
                                temperature=0.0)
    zeta = torch.tensor([1.8], dtype=torch.float64)
    f_osc = float(oscillator_frequencies(zeta, P))
    half = float(locking_half_width(2e5, 1.8 * P.threshold_current, P)) / (2 * math.pi)  # Hz
    far = f_osc + 50 * half  # the second drive, far away
    drives = torch.tensor([[f_osc + 0.5 * half, far], [f_osc + 2.0 * half, far]], dtype=torch.float64)
    sync = synchronization(drives, zeta, P, config, output="magnitude")
    assert sync[0, 0, 0] > 0.95
    assert sync[1, 0, 0] < 0.5
    assert sync[:, 0, 1].max() < 0.2


def test_synchronization_gradcheck():
    config = VowelNetworkConfig(oscillators=2, duration=2.4e-7, time_step=4e-9, temperature=0.0)
    lo, hi = band(P, config)
    drives = torch.tensor([[lo + 0.3 * (hi - lo), lo + 0.7 * (hi - lo)]], dtype=torch.float64)
    zeta = torch.tensor([1.5, 2.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda z: synchronization(drives, z, P, config), (zeta,), eps=1e-6, atol=1e-5)


def test_complex_pattern_gradcheck_and_consistency():
    """The complex pattern (Re, Im of each coherence) is differentiable, and its modulus is the
    magnitude pattern."""
    config = VowelNetworkConfig(oscillators=2, duration=2.4e-7, time_step=4e-9, temperature=0.0, features="complex",
                                window_start=0.25)
    lo, hi = band(P, config)
    drives = torch.tensor([[lo + 0.3 * (hi - lo), lo + 0.7 * (hi - lo)]], dtype=torch.float64)
    zeta = torch.tensor([1.5, 2.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda z: synchronization(drives, z, P, config), (zeta,), eps=1e-6, atol=1e-5)
    cplx = synchronization(drives, zeta.detach(), P, config)
    assert cplx.shape == (1, 2, 4)
    magnitude = synchronization(drives, zeta.detach(), P, config, output="magnitude")
    torch.testing.assert_close(torch.hypot(cplx[..., :2], cplx[..., 2:]), magnitude)


def _detuned_drives(f_osc, half, n=16, seed=0):
    """One oscillator locked to drive A in both classes: class 0 drive A below its frequency, class 1
    above (|coherence| ~ 1 in both: only the locking phase tells them apart); drive B far away."""
    rng = np.random.default_rng(seed)
    detuning = np.concatenate([rng.uniform(-0.7, -0.3, n), rng.uniform(0.3, 0.7, n)]) * half
    return np.stack([f_osc + detuning, np.full(2 * n, f_osc + 50 * half)], axis=1), np.repeat([0, 1], n)


def test_locking_phase_separates_what_the_magnitude_cannot_at_300k():
    """Adler: sin(phase) ~ detuning / locking range. Drives inside the locking range on either side
    of the oscillator: the readout of the complex pattern separates them at 300 K (held-out noise
    and drives), the magnitude-only readout stays near chance."""
    zeta = torch.tensor([1.8], dtype=torch.float64)
    f_osc = float(oscillator_frequencies(zeta, P))
    half = float(locking_half_width(8e5, 1.8 * P.threshold_current, P)) / (2 * math.pi)  # Hz
    held = {}
    for features in ("magnitude", "complex"):
        config = VowelNetworkConfig(oscillators=1, coupling=0.0, drive_amplitude=8e5, duration=4e-6, time_step=5e-9,
                                    temperature=300.0, features=features)
        drives, labels = _detuned_drives(f_osc, half, seed=0)
        _, sync = evaluate(drives, zeta, None, P, config, seed=0)
        weights = fit_readout(sync, labels, 2)
        held_drives, held_labels = _detuned_drives(f_osc, half, seed=1)
        pred, _ = evaluate(held_drives, zeta, weights, P, config, seed=1)
        held[features] = np.mean(pred == held_labels)
    assert held["complex"] >= 0.9
    assert held["magnitude"] <= 0.75


def test_gradient_training_separates_two_vowels():
    config = VowelNetworkConfig(oscillators=2, duration=1.2e-6, temperature=0.0)
    lo, hi = band(P, config)
    rng = np.random.default_rng(0)
    # class 0: drive B low in the band, class 1: drive B high; drive A uninformative
    b = np.concatenate([rng.uniform(0.15, 0.35, 16), rng.uniform(0.65, 0.85, 16)])
    drives = np.stack([lo + (hi - lo) * rng.uniform(0.2, 0.8, 32), lo + (hi - lo) * b], axis=1)
    labels = np.repeat([0, 1], 16)
    zeta0 = initial_currents(P, config)
    np.testing.assert_allclose(oscillator_frequencies(zeta0, P).numpy(), [lo + 0.25 * (hi - lo), lo + 0.75 * (hi - lo)])
    targets = target_patterns(synchronization(torch.as_tensor(drives), zeta0, P, config), labels, 2)
    zeta, history = train_gradient(drives, labels, targets, zeta0, P, config, epochs=2, batch_size=32)
    assert history[-1] >= 0.9 and zeta.shape == (2,)
    assert bool(((zeta >= config.min_current_ratio) & (zeta <= config.max_current_ratio)).all())


def _two_vowel_drives(config, n=16, seed=0):
    """Class 0: drive B low in the band, class 1: drive B high; drive A uninformative."""
    lo, hi = band(P, config)
    rng = np.random.default_rng(seed)
    b = np.concatenate([rng.uniform(0.15, 0.35, n), rng.uniform(0.65, 0.85, n)])
    drives = np.stack([lo + (hi - lo) * rng.uniform(0.2, 0.8, 2 * n), lo + (hi - lo) * b], axis=1)
    return drives, np.repeat([0, 1], n)


def test_readout_decoder_separates_two_vowels_at_300k():
    """The logistic readout of S, fitted on noisy training patterns, classifies held-out noisy
    patterns of an easy two-class set; the untrained readout (all-zero) would be at chance."""
    config = VowelNetworkConfig(oscillators=2, duration=2e-6, temperature=300.0)
    zeta = initial_currents(P, config)
    drives, labels = _two_vowel_drives(config, seed=0)
    _, sync = evaluate(drives, zeta, None, P, config, seed=0)
    weights = fit_readout(sync, labels, 2)
    assert weights.shape == (2, 9) and bool(torch.isfinite(weights).all())
    assert np.mean(classify(sync, weights) == labels) >= 0.9
    held_drives, held_labels = _two_vowel_drives(config, seed=1)
    pred, _ = evaluate(held_drives, zeta, weights, P, config, seed=1)
    assert np.mean(pred == held_labels) >= 0.85


def test_gradient_training_with_readout_is_finite_and_learns():
    config = VowelNetworkConfig(oscillators=2, duration=1.2e-6, temperature=0.0, features="magnitude")
    drives, labels = _two_vowel_drives(config)
    zeta0 = initial_currents(P, config)
    readout = torch.zeros(2, 5, dtype=torch.float64)
    # one gradient step by hand: finite gradients on currents and readout
    z = zeta0.clone().requires_grad_(True)
    w = readout.clone().requires_grad_(True)
    sync = synchronization(torch.as_tensor(drives), z, P, config)
    loss = torch.nn.functional.cross_entropy(_logits(sync, w, config.tau), torch.as_tensor(labels))
    loss.backward()
    assert bool(torch.isfinite(z.grad).all()) and bool(torch.isfinite(w.grad).all()) and float(w.grad.abs().sum()) > 0
    zeta, history = train_gradient(drives, labels, readout, zeta0, P, config, epochs=6, batch_size=8)
    assert history[-1] >= 0.9 and zeta.shape == (2,)
    assert bool(((zeta >= config.min_current_ratio) & (zeta <= config.max_current_ratio)).all())
    # the complex pattern (9 readout weights per class), gradient taken through the noisy simulation
    noisy = replace(config, features="complex", temperature=300.0)
    zeta, history = train_gradient(drives, labels, torch.zeros(2, 9, dtype=torch.float64), zeta0, P, noisy, epochs=6,
                                   batch_size=8, temperature=300.0)
    assert history[-1] >= 0.8 and bool(torch.isfinite(zeta).all())


def test_config_and_generator_errors():
    with pytest.raises(RfspinError, match="decoder"):
        VowelNetworkConfig(decoder="nearest")
    with pytest.raises(RfspinError, match="features"):
        VowelNetworkConfig(features="phase")
    with pytest.raises(RfspinError, match="window_start"):
        VowelNetworkConfig(window_start=1.0)
    with pytest.raises(RfspinError, match="min_current_ratio"):
        VowelNetworkConfig(min_current_ratio=2.0, max_current_ratio=1.5)
    with pytest.raises(RfspinError, match="duration / time_step"):
        VowelNetworkConfig(duration=1e-8, time_step=1e-9)
    with pytest.raises(RfspinError, match="Generator"):
        synchronization(torch.zeros(1, 2, dtype=torch.float64) + 305e6, torch.tensor([1.5, 2.0], dtype=torch.float64),
                        P, replace(VowelNetworkConfig(oscillators=2), temperature=300.0))


def test_vowels_cli_end_to_end_and_bad_input(tmp_path, capsys):
    folder = write_vowdata(tmp_path / "v")
    out = tmp_path / "run"
    code = main(["vowels", "--data-dir", str(folder), "--vowels", "iy", "uw", "ah", "--epochs", "1", "--out", str(out),
                 "--quiet", "--device", "cpu"])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("test_accuracy", "train_accuracy", "baseline_test_accuracy", "protocol", "romera_rule", "gradient"):
        assert key in metrics
    assert metrics["protocol"]["test_talkers"] == 4
    assert metrics["test_accuracy"] >= 0.6  # three well-separated synthetic vowels
    assert (out / "vowel_sync_map.png").stat().st_size > 1000 and (out / "vowel_class_map.png").stat().st_size > 1000
    assert "logistic readout" in metrics["protocol"]["decoding"]
    proto = tmp_path / "proto"
    code = main(["vowels", "--data-dir", str(folder), "--vowels", "iy", "uw", "ah", "--epochs", "1",
                 "--out", str(proto), "--quiet", "--decoder", "prototype", "--duration", "2e-6", "--validation",
                 "--device", "cpu"])
    metrics = json.loads((proto / "metrics.json").read_text())
    assert code == 0 and "prototype" in metrics["protocol"]["decoding"] and "validation" in metrics["protocol"]["split"]
    assert metrics["protocol"]["train_tokens"] + metrics["protocol"]["test_tokens"] == 24  # the 8 training talkers
    bad = tmp_path / "run2"
    code = main(["vowels", "--data-dir", str(folder), "--vowels", "iy", "eh", "--out", str(bad), "--quiet",
                 "--device", "cpu"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "eh" in err and not bad.exists()


def test_reproduce_romera2018_one_split(tmp_path):
    folder = write_vowdata(tmp_path / "v", talkers=6, vowels=("iy", "ih", "eh", "ae", "ah", "uw", "er"))
    out = tmp_path / "repro"
    code = main(["reproduce", "romera2018", "--data-dir", str(folder), "--seeds", "1", "--epochs", "1",
                 "--out", str(out), "--quiet", "--device", "cpu"])
    assert code == 0
    result = json.loads((out / "reproduce.json").read_text())
    assert len(result["rows"]["4 coupled oscillators, Romera's rule"]) == 1
    assert "logistic regression" in result["markdown"] and (out / "seed0" / "vowel_class_map.png").exists()
