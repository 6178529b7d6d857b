"""A hand-made list of malformed files, one per failure class, each through the CLI (in-process).

Every case must end with exit status 2, exactly one line on stderr naming the problem, nothing on
stdout, no traceback, and no file created or changed (no partial output). Classes: program
files, devices files, non-ideality TOML, measurement CSV, spectra .npz/.h5, IDX folders, run
folders (checkpoint.pt, metrics.json), resumed checkpoints.
"""

from __future__ import annotations

import io
import json
import pathlib
import shutil
import struct

import numpy as np
import pytest
import torch

from rfspin.cli.main import main


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A tiny spectra file, a run folder trained on it (resumable), its program, a devices file."""
    folder = tmp_path_factory.mktemp("base")
    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    x = rng.uniform(0, 0.3, size=(40, 3))
    x[np.arange(40), y] += 0.7
    np.savez(folder / "tiny.npz", X=x, y=y, freqs_hz=np.linspace(30e6, 80e6, 3))
    assert main(["train", "--quiet", "--task", str(folder / "tiny.npz"), "--hidden", "2", "--epochs", "2",
                 "--out", str(folder / "run"), "--no-plots"]) == 0
    return folder


# ----- builders: each writes its malformed file(s) into ``d`` and returns the argv -----------------

def _program(base):
    return json.loads((base / "run" / "program.json").read_text())


def program_case(edit=None, text=None):
    def build(d, base):
        path = d / "program.json"
        if text is not None:
            path.write_bytes(text if isinstance(text, bytes) else text.encode())
        else:
            p = _program(base)
            edit(p)
            path.write_text(json.dumps(p, allow_nan=True))
        return ["evaluate", "--program", str(path), "--task", str(base / "tiny.npz")]
    return build


def _set(path, value):
    def edit(p):
        node = p
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return edit


def devices_case(doc):
    def build(d, base):
        path = d / "devices.json"
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
        return ["train", "--quiet", "--task", str(base / "tiny.npz"), "--hidden", "2", "--epochs", "0",
                "--devices", str(path), "--out", str(d / "out"), "--no-plots"]
    return build


_RES = {"sensitivity_v_per_w": 8840.0, "damping": 0.01, "antisymmetric_weight": 1.0, "symmetric_weight": 0.0}


def _devices(*resonators, **extra):
    return {"schema": "rfspin.devices", "version": 1, "resonators": list(resonators), **extra}


def toml_case(text):
    def build(d, base):
        run = d / "run"
        shutil.copytree(base / "run", run)
        path = d / "hw.toml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return ["robustness", str(run), "--chips", "2", "--config", str(path), "--no-plots"]
    return build


def csv_case(text):
    def build(d, base):
        path = d / "spectrum.csv"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return ["calibrate", "resonator", str(path), "--out", str(d / "devices.json"), "--no-plots"]
    return build


def calibrate_two_case(second: str):
    """A valid oscillator P(I) curve, then a bad one: the first must leave no plot or devices file."""
    def build(d, base):
        current = np.linspace(2e-6, 40e-6, 40)
        z = current / 1e-5
        power = 1250.0 * np.clip(z - 1, 0, None) / (z + 2) * current**2
        good = d / "good.csv"
        good.write_text("current_a,power_w\n" + "".join(f"{i!r},{p!r}\n" for i, p in zip(current, power)))
        bad = d / "bad.csv"
        bad.write_text(second)
        return ["calibrate", "oscillator", str(good), str(bad), "--out", str(d / "devices.json")]
    return build


def npz_case(make):
    def build(d, base):
        path = make(d)
        return ["train", "--quiet", "--task", str(path), "--epochs", "1", "--out", str(d / "out"), "--no-plots"]
    return build


def binary(build):
    """The same case trained with binary synapses (a separate code path that must also write nothing)."""
    def wrapped(d, base):
        return [*build(d, base), "--binary", "ste"]
    return wrapped


def _npz(**arrays):
    def make(d):
        np.savez(d / "data.npz", **arrays)
        return d / "data.npz"
    return make


def _raw_file(name, content):
    def make(d):
        (d / name).write_bytes(content)
        return d / name
    return make


def _idx(shape, body=None, type_code=8):
    header = bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
    n = int(np.prod(shape))
    return header + (bytes(i % 10 for i in range(n)) if body is None else body)


def idx_case(**replace):
    def build(d, base):
        files = {
            "train-images-idx3-ubyte": _idx((12, 28, 28)),
            "train-labels-idx1-ubyte": _idx((12,)),
            "t10k-images-idx3-ubyte": _idx((4, 28, 28)),
            "t10k-labels-idx1-ubyte": _idx((4,)),
        }
        files.update(replace)
        folder = d / "idx"
        folder.mkdir()
        for name, content in files.items():
            if content is not None:
                (folder / name).write_bytes(content)
        return ["train", "--quiet", "--task", "mnist", "--data-dir", str(folder), "--epochs", "0",
                "--out", str(d / "out"), "--no-plots"]
    return build


def _ckpt(base):
    return torch.load(base / "run" / "checkpoint.pt", weights_only=True)


def _save(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def run_case(checkpoint=None, metrics=None, resume=False):
    """A copy of the base run folder with checkpoint.pt and/or metrics.json replaced."""
    def build(d, base):
        run = d / "run"
        shutil.copytree(base / "run", run)
        if checkpoint is not None:
            (run / "checkpoint.pt").write_bytes(checkpoint(d, base))
        if metrics is not None:
            m = json.loads((run / "metrics.json").read_text())
            content = metrics(m)
            (run / "metrics.json").write_text(content if isinstance(content, str) else json.dumps(content))
        if resume:
            return ["train", "--quiet", "--task", str(base / "tiny.npz"), "--hidden", "2", "--epochs", "3",
                    "--out", str(run), "--no-plots", "--resume"]
        return ["evaluate", str(run)]
    return build


def _edited_ckpt(edit):
    def make(d, base):
        c = _ckpt(base)
        edit(c)
        return _save(c)
    return make


class _Touch:
    """A pickle payload that would create a file if it ever ran."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.target),))


def _malicious(d, base):
    c = _ckpt(base)
    c["history"].append(_Touch(d / "PWNED"))
    return _save(c)


def limit(setting: str, value: int, build):
    """The case ``build`` run with the size limit ``setting`` lowered to ``value`` bytes (a "huge" file
    without writing hundreds of MB)."""
    build.limit = (setting, value)
    return build


def _nested_list(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def _nested(depth):
    return "[" * depth + "]" * depth


CASES = {
    # --- program.json (rfspin evaluate --program) ---
    "program truncated JSON": program_case(text='{"schema": "rfspin.chip_program", "version": 1, "sizes": [3,'),
    "program empty file": program_case(text=""),
    "program not UTF-8": program_case(text=b"\xff\xfe\x00garbage"),
    "program top level is a list": program_case(text="[1, 2, 3]"),
    "program wrong schema id": program_case(_set(("schema",), "rfspin.devices")),
    "program wrong schema version": program_case(_set(("version",), 99)),
    "program missing key": program_case(lambda p: p.pop("layers")),
    "program wrong type (string count)": program_case(_set(("layers", 0, "n_chains"), "2")),
    "program count given as float": program_case(_set(("layers", 0, "n_chains"), 2.0)),
    "program NaN literal": program_case(_set(("layers", 1, "bias_voltage_v", 0), float("nan"))),
    "program Infinity literal": program_case(_set(("readout", "readout_scale_v"), float("inf"))),
    "program number overflows to inf": program_case(text='{"schema": "rfspin.chip_program", "version": 1e999}'),
    "program deep nesting": program_case(text='{"schema": "rfspin.chip_program", "version": 1, "sizes": '
                                              + _nested(5000) + "}"),
    "program negative frequency": program_case(_set(("layers", 0, "tone_frequencies_hz", 0), -3e7)),
    "program resonance out of band": program_case(_set(("layers", 0, "resonance_frequency_hz", 0, 0), 5e9)),
    "program sizes mismatch": program_case(_set(("sizes",), [3, 2, 3])),
    "program J x K mismatch": program_case(lambda p: p["layers"][0]["damping"][1].pop()),
    "program damping >= 0.5": program_case(_set(("layers", 0, "damping", 0, 0), 0.7)),
    "program sign not +-1": program_case(_set(("layers", 0, "signs", 1), 0.5)),
    "program unknown key": program_case(_set(("readout", "gain_db"), 3.0)),
    "program layer types out of order": program_case(lambda p: p["layers"].insert(0, p["layers"].pop(1))),
    "program huge file": limit("rfspin.fileio.MAX_JSON_BYTES", 1024, program_case(lambda p: None)),
    "program spec unknown device field": program_case(_set(("spec", "resonator", "colour"), "red")),
    "program bool where a number belongs": program_case(_set(("input", "power_per_unit_w"), True)),
    "program tuning band reversed": program_case(_set(("layers", 0, "tuning_band_hz"), [2e8, 1e7])),
    "program inputs differ from chain tones": program_case(_set(("input", "frequencies_hz", 0), 3.5e7)),
    "program number given as string": program_case(_set(("input", "power_per_unit_w"), "1e3")),
    "program oscillator vector too short": program_case(lambda p: p["layers"][1]["threshold_current_a"].pop()),
    # --- devices files (rfspin train --devices) ---
    "devices truncated JSON": devices_case('{"schema": "rfspin.devices", "version"'),
    "devices wrong schema id": devices_case({"schema": "rfspin.chip_program", "version": 1}),
    "devices unsupported version": devices_case({"schema": "rfspin.devices", "version": 2}),
    "devices negative sensitivity": devices_case(_devices({**_RES, "sensitivity_v_per_w": -1.0})),
    "devices position of wrong length": devices_case(_devices({**_RES, "position": [0, 1]})),
    "devices float index": devices_case(_devices({**_RES, "position": [0, 1.0, 0]})),
    "devices rectifies nothing": devices_case(_devices({**_RES, "antisymmetric_weight": 0.0})),
    "devices unknown entry key": devices_case(_devices({**_RES, "colour": "red"})),
    "devices count does not fit the network": devices_case(_devices(_RES, _RES)),
    "devices position outside the network": devices_case(_devices({**_RES, "position": [0, 9, 0]})),
    # --- non-ideality TOML (rfspin robustness --config) ---
    "toml syntax error": toml_case("[voltage_noise\nbandwidth_hz = 1\n"),
    "toml unknown section": toml_case("[programing_error]\nrelative_sigma_percent = 1\n"),
    "toml wrong unit": toml_case("[programming_error]\nrelative_sigma_hz = 1\n"),
    "toml string value": toml_case('[programming_error]\nrelative_sigma_percent = "1"\n'),
    "toml nan value": toml_case("[voltage_noise]\nbandwidth_hz = nan\n"),
    "toml negative spread": toml_case("[variability]\ndamping_sigma = -0.1\n"),
    "toml fraction out of range": toml_case("[defects]\ndead_fraction_percent = 150\n"),
    "toml non-integer bits": toml_case("[adc]\nbits = 2.5\n"),
    "toml deep nesting": toml_case("x = " + _nested(5000) + "\n"),
    "toml huge file": toml_case("# " + "x" * (2**20 + 10) + "\n"),
    "toml unknown preset": toml_case('preset = "lab-2099"\n'),
    "toml not UTF-8": toml_case(b"[adc]\nbits = \xff\n"),
    "toml overflowing magnitude": toml_case("[programming_error]\nabsolute_sigma_hz = 1e300\n"),
    # --- measurement CSV (rfspin calibrate resonator) ---
    "csv missing column": csv_case("frequency_hz,current_a\n1e7,1\n2e7,2\n3e7,3\n"),
    "csv non-numeric cell": csv_case("frequency_hz,voltage_v\n1e7,1e-6\n2e7,abc\n3e7,1e-6\n"),
    "csv ragged row": csv_case("frequency_hz,voltage_v\n1e7,1e-6\n2e7\n3e7,1e-6\n"),
    "csv NaN cell": csv_case("frequency_hz,voltage_v\n1e7,nan\n2e7,1e-6\n3e7,1e-6\n"),
    "csv empty file": csv_case(""),
    "csv too few rows": csv_case("frequency_hz,voltage_v\n1e7,1e-6\n"),
    "csv binary garbage": csv_case(b"\x89PNG\r\n\x1a\n\x00\x00\xff"),
    "csv second curve cannot be fitted": calibrate_two_case("current_a,power_w\n1e-6,0\n2e-6,0\n3e-6,0\n4e-6,0\n"
                                                            "5e-6,0\n6e-6,0\n7e-6,0\n8e-6,0\n"),
    # --- spectra files (rfspin train --task FILE) ---
    "npz zero rows": npz_case(_npz(X=np.zeros((0, 3)), y=np.zeros(0, int))),
    "npz one class": npz_case(_npz(X=np.ones((10, 3)), y=np.zeros(10, int))),
    "npz one class, binary synapses": binary(npz_case(_npz(X=np.ones((10, 3)), y=np.zeros(10, int)))),
    "npz complex values": npz_case(_npz(X=np.ones((10, 3)) * (1 + 1j), y=np.arange(10) % 2)),
    "npz NaN powers": npz_case(_npz(X=np.full((10, 3), np.nan), y=np.arange(10) % 2)),
    "npz negative powers": npz_case(_npz(X=-np.ones((10, 3)), y=np.arange(10) % 2)),
    "npz labels far beyond the data": npz_case(_npz(X=np.ones((10, 3)), y=np.arange(10) % 2 * 1000)),
    "npz ragged rows (object array)": npz_case(_npz(X=np.array([[1.0, 2.0], [1.0]], dtype=object), y=np.arange(2))),
    "npz X and y lengths differ": npz_case(_npz(X=np.ones((10, 3)), y=np.arange(7) % 2)),
    "npz truncated archive": npz_case(_raw_file("data.npz", b"PK\x03\x04\x14\x00\x00\x00\x08\x00")),
    "npz string features": npz_case(_npz(X=np.full((10, 3), "a"), y=np.arange(10) % 2)),
    "npz three-dimensional X": npz_case(_npz(X=np.ones((10, 3, 2)), y=np.arange(10) % 2)),
    "npz negative labels": npz_case(_npz(X=np.ones((10, 3)), y=np.arange(10) % 2 - 1)),
    "h5 not an HDF5 file": npz_case(_raw_file("data.h5", b"\x89HDF\r\n\x1a\ngarbage")),
    "npz frequencies of wrong length": npz_case(_npz(X=np.ones((10, 3)), y=np.arange(10) % 2,
                                                    freqs_hz=np.array([3e7, 4e7]))),
    # --- IDX folders (rfspin train --task mnist --data-dir) ---
    "idx truncated images": idx_case(**{"train-images-idx3-ubyte": _idx((12, 28, 28))[:-100]}),
    "idx bad magic number": idx_case(**{"train-labels-idx1-ubyte": b"\x01\x02" + _idx((12,))[2:]}),
    "idx unsupported data type": idx_case(**{"t10k-labels-idx1-ubyte": _idx((4,), type_code=0x0D, body=bytes(16))}),
    "idx labels beyond the classes": idx_case(**{"train-labels-idx1-ubyte": _idx((12,), body=bytes([11] * 12))}),
    "idx one training class": idx_case(**{"train-labels-idx1-ubyte": _idx((12,), body=bytes(12))}),
    "idx images and labels disagree": idx_case(**{"train-labels-idx1-ubyte": _idx((11,))}),
    "idx corrupted gzip": idx_case(**{"t10k-images-idx3-ubyte": None, "t10k-images-idx3-ubyte.gz": b"\x1f\x8bxx"}),
    # --- run folders (rfspin evaluate RUN) ---
    "checkpoint garbage bytes": run_case(checkpoint=lambda d, b: b"not a checkpoint"),
    "checkpoint truncated zip": run_case(checkpoint=lambda d, b: (b / "run" / "checkpoint.pt").read_bytes()[:400]),
    "checkpoint pickle with code (__reduce__)": run_case(checkpoint=_malicious),
    "checkpoint unsupported format_version": run_case(checkpoint=_edited_ckpt(lambda c: c.update(format_version=2))),
    "checkpoint state of wrong shape": run_case(checkpoint=_edited_ckpt(
        lambda c: c["model"]["state"].update({"layers.0.detuning": torch.zeros(5, 5)}))),
    "checkpoint NaN in state": run_case(checkpoint=_edited_ckpt(
        lambda c: c["model"]["state"]["layers.0.detuning"].fill_(float("nan")))),
    "checkpoint bad generator state": run_case(checkpoint=_edited_ckpt(
        lambda c: c.update(generator=torch.zeros(7, dtype=torch.uint8)))),
    "checkpoint history disagrees with epoch": run_case(checkpoint=_edited_ckpt(lambda c: c["history"].pop())),
    "checkpoint epoch beyond the plan": run_case(checkpoint=_edited_ckpt(lambda c: c.update(epoch=9))),
    "checkpoint deep nesting": run_case(checkpoint=_edited_ckpt(lambda c: c.update(extra=_nested_list(200)))),
    "checkpoint unknown model kind": run_case(checkpoint=_edited_ckpt(lambda c: c["model"].update(kind="gpt"))),
    "checkpoint missing state key": run_case(checkpoint=_edited_ckpt(
        lambda c: c["model"]["state"].pop("layers.0.bias_raw"))),
    "checkpoint huge file": limit("rfspin.train.checkpoint.MAX_CHECKPOINT_BYTES", 1024, run_case(
        checkpoint=lambda d, b: (b / "run" / "checkpoint.pt").read_bytes())),
    "metrics truncated": run_case(metrics=lambda m: json.dumps(m)[:50]),
    "metrics accuracy above 1": run_case(metrics=lambda m: {**m, "test_accuracy": 1.5}),
    "metrics history out of order": run_case(metrics=lambda m: {**m, "history": m["history"][::-1]}),
    "metrics missing task": run_case(metrics=lambda m: {k: v for k, v in m.items() if k != "task"}),
    # --- resuming from a bad checkpoint (rfspin train --resume) ---
    "resume optimizer state of wrong shape": run_case(resume=True, checkpoint=_edited_ckpt(
        lambda c: c["optimizer"]["state"][0].update(exp_avg=torch.zeros(9)))),
    "resume optimizer for other parameters": run_case(resume=True, checkpoint=_edited_ckpt(
        lambda c: c["optimizer"]["param_groups"][0].update(params=[0]))),
}


def other_network_case(flag):
    """A valid run folder used with a network of another shape (--hidden 3 instead of 2)."""
    def build(d, base):
        run = d / "run"
        shutil.copytree(base / "run", run)
        out = run if flag == "--resume" else d / "out"
        argv = ["train", "--quiet", "--task", str(base / "tiny.npz"), "--hidden", "3", "--epochs", "2",
                "--out", str(out), "--no-plots", flag]  # same training configuration as the run: only the shape differs
        return argv + ([str(run)] if flag == "--init-from" else [])
    return build


CASES["resume with a network of another shape"] = other_network_case("--resume")
CASES["init-from a run of another shape"] = other_network_case("--init-from")


def _snapshot(folder: pathlib.Path) -> dict:
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def test_at_least_fifty_classes():
    assert len(CASES) >= 50



@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed_file_through_cli(name, base, tmp_path, capsys, monkeypatch, cases=CASES):
    build = cases[name]
    if hasattr(build, "limit"):
        monkeypatch.setattr(*build.limit)
    argv = build(tmp_path, base)
    monkeypatch.chdir(tmp_path)
    before = _snapshot(tmp_path)
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2, f"exit {code}; stderr: {err!r}"
    lines = err.splitlines()
    assert len(lines) == 1, f"stderr must be one line, got {lines!r}"
    assert lines[0].startswith(f"rfspin {argv[0]}: error: ")
    assert "Traceback" not in err
    assert out == "", f"partial output on stdout: {out!r}"
    assert _snapshot(tmp_path) == before, "files were created or changed"
    assert not (tmp_path / "PWNED").exists()
