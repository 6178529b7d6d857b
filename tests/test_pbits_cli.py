"""``rfspin pbits`` and ``rfspin reproduce borders2019`` end to end (tiny), bad input -> one line, exit 2,
no folder; graph files validated line by line."""

from __future__ import annotations

import json

import pytest

from rfspin.cli.main import main
from rfspin.errors import RfspinError
from rfspin.stochastic.maxcut import cut_values, read_edge_list
from rfspin.tasks.pbits import maxcut_task


def _one_line_error(capsys, argv, expected):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err, err


def test_factor_cli_writes_results_and_histogram(tmp_path, capsys):
    out = tmp_path / "f"
    assert main(["pbits", "factor", "35", "--runs", "8", "--out", str(out), "--device", "cpu"]) == 0
    metrics = json.loads((out / "results.json").read_text())
    assert metrics["successes"] == 8 and set(metrics["factorizations_found"]) <= {"7x5", "5x7"}
    assert (out / "answers.png").stat().st_size > 1000
    top = next(iter(metrics["answer_probability"]))
    assert top in ("7x5", "5x7")  # the correct answer is the most probable one
    assert "8/8 runs factored" in capsys.readouterr().out


@pytest.mark.parametrize("number, expected", [
    ("944", "even"), ("947", "prime"), ("1", "no factorization"), ("-15", "positive"), ("9.5", "integer"),
])
def test_factor_bad_numbers(tmp_path, capsys, number, expected):
    out = tmp_path / "bad"
    _one_line_error(capsys, ["pbits", "factor", number, "--out", str(out)], expected)
    assert not out.exists()


def test_factor_too_small_multiplier_names_the_size(tmp_path, capsys):
    _one_line_error(capsys, ["pbits", "factor", "945", "--x-bits", "4", "--y-bits", "3", "--out", str(tmp_path / "x")],
                    "needs 9 x 5 bits")
    _one_line_error(capsys, ["pbits", "factor", "35", "--physics", "quantum", "--out", str(tmp_path / "y")],
                    "--physics")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_maxcut_cli_on_an_edge_list(tmp_path, capsys):
    graph = tmp_path / "square.txt"
    graph.write_text("# a 4-cycle plus a weighted chord\n0 1\n1 2\n2 3\n3 0\n0 2 0.5\n")
    out = tmp_path / "m"
    assert main(["pbits", "maxcut", str(graph), "--runs", "8", "--sweeps", "50", "--no-compare",
                 "--out", str(out), "--device", "cpu"]) == 0
    metrics = json.loads((out / "results.json").read_text())
    assert metrics["pbits"]["best_cut"] == 4.0  # the 4-cycle's bipartition (the chord is not cut)
    assert "best cut 4" in capsys.readouterr().out


def test_maxcut_compares_with_neal_and_sb(tmp_path):
    m = maxcut_task("random:3:40:1", tmp_path / "c", runs=8, sweeps=100, device="cpu")
    assert m["neal"]["best_cut"] >= m["pbits"]["best_cut"] - 3
    assert m["pbits"]["best_cut"] <= 60 and m["neal"]["best_cut"] <= 60  # 60 edges
    assert (tmp_path / "c" / "cuts.png").exists()


@pytest.mark.parametrize("text, expected", [
    ("0 1\n1 x\n", "line 2: node ids must be integers"),
    ("0 1 2 3\n", "line 1: expected"),
    ("0 0\n", "self loop"),
    ("0 1 -2\n", "negative weight"),
    ("0 1\n1 0\n", "appears twice"),
    ("0 1 nan\n", "not finite"),
    ("# nothing\n", "no edges"),
])
def test_malformed_graph_files(tmp_path, capsys, text, expected):
    graph = tmp_path / "g.txt"
    graph.write_text(text)
    out = tmp_path / "o"
    _one_line_error(capsys, ["pbits", "maxcut", str(graph), "--out", str(out)], expected)
    assert not out.exists()


def test_missing_graph_and_bad_random_spec(tmp_path, capsys):
    _one_line_error(capsys, ["pbits", "maxcut", str(tmp_path / "none.txt"), "--out", str(tmp_path / "o")],
                    "not found")
    _one_line_error(capsys, ["pbits", "maxcut", "random:3", "--out", str(tmp_path / "o")], "random:DEGREE:SIZE")


def test_negative_weights_allowed_on_request(tmp_path):
    graph = tmp_path / "g.txt"
    graph.write_text("0 1 -1\n1 2 1\n")
    g = read_edge_list(graph, allow_negative=True)
    import torch

    assert cut_values(g, torch.tensor([[1.0, 1.0, -1.0]])).item() == 1.0
    with pytest.raises(RfspinError):
        read_edge_list(graph)


def test_reproduce_borders2019_is_registered(capsys):
    with pytest.raises(SystemExit):
        main(["reproduce", "--help"])
    assert "borders2019" in capsys.readouterr().out


def test_clockless_junction_pbits_factor_in_physical_time():
    from rfspin.tasks.pbits import physical_time_factor

    m = physical_time_factor(35, runs=20, beta=10.0, device="cpu", duration=1.0)
    assert m["success_rate"] == 1.0
    assert 0 < m["median_time_to_solution_s"] < 1.0  # seconds, set by the 1 ms junctions
