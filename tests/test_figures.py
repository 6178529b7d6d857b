"""tools/make_figures.py on a tiny fake run folder: marked sections rewritten from the inputs, missing
inputs leave their section untouched (with a warning), the comparison plot gets one panel per
task family, and stale temp files of the plot folder are cleaned."""

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rfspin.cli.main import main as rfspin_main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def figures():
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "tools" / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fig")
    rng = np.random.default_rng(0)
    y = np.arange(30) % 2
    x = rng.uniform(0, 0.3, size=(30, 3))
    x[np.arange(30), y] += 0.7
    np.savez(folder / "tiny.npz", X=x, y=y, freqs_hz=np.linspace(30e6, 80e6, 3))
    assert rfspin_main(["train", "--quiet", "--task", str(folder / "tiny.npz"), "--hidden", "2", "--epochs", "2",
                        "--baseline", "--out", str(folder / "drone-seed0"), "--no-plots"]) == 0
    return folder / "drone-seed0"


def test_sections_and_plot_from_a_tiny_run(figures, run, tmp_path, capsys):
    metrics = json.loads((run / "metrics.json").read_text())
    leroux = tmp_path / "leroux"
    shutil.copytree(run, leroux / "mnist-seed0")
    row = {**metrics, "task": "mnist", "sizes": [784, 300, 10]}
    (leroux / "reproduce.json").write_text(json.dumps({"rows": [row]}))
    bench = tmp_path / "train_step_1t.json"
    bench.write_text(json.dumps({"threads": 1, "batch": 256, "steps": 3, "results": {
        name: {"ms_per_step": ms, "peak_mb_above_base": mb}
        for name, ms, mb in (("linear", 1.0, 10.0), ("rf-fused", 30.0, 20.0), ("rf-direct", 390.0, 300.0))}}))
    page = tmp_path / "page.md"
    page.write_text("intro\n<!-- figures:drone-run -->\nold run\n<!-- /figures -->\n"
                    "<!-- figures:drone-table -->\nold drone table\n<!-- /figures -->\n"
                    "<!-- figures:mnist-table -->\nold\n<!-- /figures -->\n"
                    "<!-- figures:speed-table -->\nold\n<!-- /figures -->\n"
                    "<!-- figures:energy-table -->\nold\n<!-- /figures -->\nend\n")
    plot = tmp_path / "docs" / "comparison.png"
    plot.parent.mkdir()
    stale = plot.parent / ".comparison.png.abcd1234.tmp"
    stale.write_bytes(b"half")
    assert figures.main(["--drone-run", str(run), "--ross2023", str(tmp_path / "missing"), "--leroux2022",
                         str(leroux), "--train-step", str(bench), "--files", str(page), "--plot", str(plot)]) == 0
    err = capsys.readouterr().err
    text = page.read_text()
    # rewritten from the inputs
    assert f"test accuracy {100 * metrics['test_accuracy']:.2f} %" in text
    seconds = sum(h["time_s"] for h in metrics["history"])
    assert f"trained in {seconds:.0f} s" in text
    assert "| mnist 784-300-10 (seed 0) |" in text
    assert "| 30.0 |" in text and "13.0x (1 thread)" in text
    assert "| 784-300-10 | spintronic-20nm | 1,084 | 238,200 | 1.03 nJ |" in text
    # missing inputs: untouched, with a warning
    assert "old drone table" in text and "drone-table: no" in err
    assert text.startswith("intro\n") and text.endswith("end\n")
    # the plot: written, two task families, stale temp file cleaned
    assert plot.read_bytes()[:4] == b"\x89PNG" and not stale.exists()
    panels = figures.comparison_panels([run], [leroux / "mnist-seed0"])
    assert [p["title"].split(":")[0] for p in panels] == ["MNIST", "Drone RF fingerprints"]
    assert all(r["kind"] == "rfspin" for r in panels[1]["rows"])  # drone accuracy never beside MNIST platforms
    assert any(r["kind"] == "published" for r in panels[0]["rows"])


def test_nothing_invented_without_inputs(figures, tmp_path, capsys):
    page = tmp_path / "page.md"
    original = "<!-- figures:drone-run -->\nkept as it is\n<!-- /figures -->\n"
    page.write_text(original)
    plot = tmp_path / "comparison.png"
    assert figures.main(["--drone-run", str(tmp_path / "none"), "--ross2023", str(tmp_path / "none"),
                         "--leroux2022", str(tmp_path / "none"), "--train-step", "--files", str(page),
                         "--plot", str(plot)]) == 0
    assert page.read_text() == original and not plot.exists()
    assert "left untouched" in capsys.readouterr().err
