"""Hypothesis: the CLI commands, in-process, on generated arguments and files.

Property: ``main([...])`` returns 0 and every number it wrote is finite, or returns 2 with exactly
one line on stderr that names the offending argument, value or file; argparse's own refusals
(exit 2 through SystemExit) also count as user errors. Any other exception fails the test.
"""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property_support import examples, mutate

from rfspin.cli.main import main

_tokens = st.one_of(
    st.text(alphabet="0123456789-x,.e ", max_size=12),
    st.sampled_from(["784-300-10", "3-2", "1", "0-3", "-1-2", "lecture-cnn", "rf-cnn", "1e3-2", "9" * 30,
                     "4000-4000-4000", "nan", "", "3--2"]),
    st.text(max_size=6),
)


def _run(argv, capsys, *names):
    """Run the CLI; check the property; return the exit code."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refused the command line (usage + one error line)
        assert exc.code == 2, f"argparse exit {exc.code}"
        capsys.readouterr()
        return 2
    out, err = capsys.readouterr()
    assert code in (0, 2), f"exit {code}"
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1, f"stderr has {len(lines)} lines: {err!r}"
        assert "error:" in lines[0]
        assert any(str(n) in lines[0] for n in names), f"{lines[0]!r} names none of {names}"
        assert "Traceback" not in err
    return code


def _finite_json(path):
    def check(value):
        if isinstance(value, float):
            assert math.isfinite(value), f"{path}: {value!r}"
        elif isinstance(value, dict):
            for v in value.values():
                check(v)
        elif isinstance(value, list):
            for v in value:
                check(v)

    check(json.loads(path.read_text()))


@settings(max_examples=examples(40))
@given(arch=_tokens, preset=st.sampled_from(["spintronic-20nm", "per-op-20nm", "nope"]),
       disable=st.lists(st.sampled_from(["adc_readout", "input_generation", "bogus"]), max_size=2))
def test_energy_arch_property(tmp_path_factory, capsys, arch, preset, disable):
    out = tmp_path_factory.mktemp("e")
    argv = ["energy", "--arch", arch, "--preset", preset, "--out", str(out), "--no-plot"]
    if disable:
        argv += ["--disable", *disable]
    if _run(argv, capsys, arch, preset, *disable, "--arch", "architecture") == 0:
        _finite_json(out / "energy.json")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny spectra file and a run folder trained on it."""
    folder = tmp_path_factory.mktemp("tiny")
    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    x = rng.uniform(0, 0.3, size=(40, 3))
    x[np.arange(40), y] += 0.7
    data = folder / "tiny.npz"
    np.savez(data, X=x, y=y, freqs_hz=np.linspace(30e6, 80e6, 3))
    run = folder / "run"
    assert main(["train", "--quiet", "--task", str(data), "--hidden", "2", "--epochs", "2", "--out", str(run),
                 "--no-plots"]) == 0
    return data, run


@settings(max_examples=examples(40))
@given(data=st.data())
def test_evaluate_program_property(tmp_path_factory, capsys, tiny, data):
    spectra, run = tiny
    program = json.loads((run / "program.json").read_text())
    doc, names = mutate(program, data)
    path = tmp_path_factory.mktemp("p") / "program.json"
    path.write_text(json.dumps(doc, allow_nan=True))
    _run(["evaluate", "--program", str(path), "--task", str(spectra)], capsys, *names, "program", "network")


@settings(max_examples=examples(25))
@given(sweep=st.one_of(st.text(max_size=30), st.sampled_from([
           "programming_error.relative_sigma_percent=0,0.5", "programming_error.relative_sigma_percent=nan",
           "variability.damping_sigma=1e9", "temperature.temperature_k=-1,300", "adc.bits=3.5", "nope.x=1",
           "defects.dead_fraction=0.5", "tuning.tuning_range_mhz=inf,10"])),
       chips=st.integers(-1, 3))
def test_robustness_sweep_property(capsys, tiny, sweep, chips):
    _, run = tiny
    code = _run(["robustness", str(run), "--chips", str(chips), "--sweep", sweep, "--no-plots"], capsys,
                sweep, "--sweep", "--chips", *sweep.replace("=", ".").replace(",", ".").split("."))
    if code == 0:
        _finite_json(run / "robustness.json")


@settings(max_examples=examples(30))
@given(rows=st.lists(st.tuples(st.one_of(st.floats(1e6, 1e9), st.floats(allow_nan=True, allow_infinity=True),
                                         st.text(max_size=3)),
                               st.one_of(st.floats(-1e-3, 1e-3), st.floats(allow_nan=True))), max_size=40),
       header=st.sampled_from(["frequency_hz,voltage_v", "voltage_v,frequency_hz", "f,v", ""]))
def test_calibrate_resonator_property(tmp_path_factory, capsys, rows, header):
    folder = tmp_path_factory.mktemp("c")
    csv = folder / "spectrum.csv"
    csv.write_text(header + "\n" + "\n".join(f"{a},{b}" for a, b in rows) + "\n")
    out = folder / "devices.json"
    if _run(["calibrate", "resonator", str(csv), "--out", str(out), "--no-plots"], capsys,
            "spectrum", "csv", "fit", "resonator") == 0:
        _finite_json(out)


@settings(max_examples=examples(15))
@given(data=st.data())
def test_train_on_generated_spectra_property(tmp_path_factory, capsys, data):
    n = data.draw(st.integers(0, 30), label="rows")
    bins = data.draw(st.integers(1, 4), label="bins")
    x = data.draw(st.sampled_from(["ok", "nan", "negative", "complex", "huge"]), label="X kind")
    rng = np.random.default_rng(n)
    X = rng.uniform(0, 1, size=(n, bins))
    if x == "nan" and n:
        X[0, 0] = np.nan
    elif x == "negative" and n:
        X[-1, -1] = -2.0
    elif x == "complex":
        X = X + 1j
    elif x == "huge" and n:
        X[0, 0] = 1e300
    y = data.draw(st.sampled_from([np.arange(n) % 2, np.zeros(n, int), np.arange(n) * 50, np.arange(n) % 3 - 1]),
                  label="y")
    folder = tmp_path_factory.mktemp("t")
    np.savez(folder / "gen.npz", X=X, y=y)
    out = folder / "run"
    code = _run(["train", "--quiet", "--task", str(folder / "gen.npz"), "--hidden", "2", "--epochs", "1",
                 "--out", str(out), "--no-plots"], capsys, "gen.npz")
    if code == 0:
        _finite_json(out / "metrics.json")
    else:
        assert not out.exists(), "a failed run left a folder behind"
