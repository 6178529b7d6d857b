"""FSDD reader, front ends and the reservoir CLI on synthesized recordings."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile

from rfspin.cli.main import main
from rfspin.data.fsdd import FSDD_ATTRIBUTION, load_fsdd, read_wav
from rfspin.errors import RfspinError
from rfspin.oscillatory.frontends import (
    FRONTENDS,
    FrontendConfig,
    compute_features,
    standardize,
)

RATE = 8000


def _tone(digit: int, index: int, rate: int = RATE, seconds: float = 0.25) -> np.ndarray:
    """A digit-specific two-tone chirp with a little index-dependent variation."""
    t = np.arange(int(rate * seconds)) / rate
    f1 = 300 + 120 * digit + 7 * index
    f2 = 1500 + 90 * ((digit * 3) % 10)
    envelope = np.sin(np.pi * t / seconds)
    return (0.3 * envelope * (np.sin(2 * np.pi * f1 * t) + 0.5 * np.sin(2 * np.pi * f2 * t * (1 + 0.3 * t)))).astype(
        np.float32)


def make_fsdd(folder, digits=range(10), speakers=("alice", "bob"), indices=range(7)):
    rec = folder / "recordings"
    rec.mkdir(parents=True)
    for d in digits:
        for s in speakers:
            for i in indices:
                soundfile.write(rec / f"{d}_{s}_{i}.wav", _tone(d, i), RATE, subtype="PCM_16")
    return folder


@pytest.fixture
def fsdd_dir(tmp_path):
    return make_fsdd(tmp_path / "fsdd")


def test_load_fsdd_official_split(fsdd_dir):
    data = load_fsdd(fsdd_dir)
    assert len(data) == 10 * 2 * 7
    assert data.sample_rate == RATE
    # index 0-4 test, 5-49 train
    assert int(data.is_test.sum()) == 10 * 2 * 5
    assert set(data.indices[data.is_test]) == {0, 1, 2, 3, 4}
    assert sorted(set(data.labels.tolist())) == list(range(10))
    np.testing.assert_allclose(data.waveforms[0], _tone(0, 0), atol=1e-4)  # PCM_16 rounding
    assert "CC BY-SA 4.0" in FSDD_ATTRIBUTION
    # the folder of WAVs itself is accepted too, per_class keeps test recordings first
    small = load_fsdd(fsdd_dir / "recordings", per_class=6)
    assert len(small) == 60 and small.is_test.all()


def test_resampling_and_wrong_rate(tmp_path):
    path = tmp_path / "0_x_0.wav"
    soundfile.write(path, _tone(0, 0, rate=16000), 16000)
    samples = read_wav(path)
    assert abs(len(samples) - 0.25 * RATE) <= 2
    with pytest.raises(RfspinError, match="sample rate 16000 Hz"):
        read_wav(path, resample=False)


@pytest.mark.parametrize("kind", ["text", "empty", "silent"])
def test_bad_recordings_name_the_file(tmp_path, kind):
    path = tmp_path / "3_x_0.wav"
    if kind == "text":
        path.write_text("not audio at all")
    elif kind == "empty":
        soundfile.write(path, np.zeros(0, dtype=np.float32), RATE)
    else:
        soundfile.write(path, np.zeros(800, dtype=np.float32), RATE)
    with pytest.raises(RfspinError, match="3_x_0.wav") as err:
        read_wav(path)
    assert "\n" not in str(err.value)


def test_missing_classes_and_folders(tmp_path):
    make_fsdd(tmp_path / "few", digits=range(8))
    with pytest.raises(RfspinError, match=r"digit\(s\) \[8, 9\]"):
        load_fsdd(tmp_path / "few")
    with pytest.raises(RfspinError, match="no such folder"):
        load_fsdd(tmp_path / "nowhere")
    (tmp_path / "emptydir").mkdir()
    with pytest.raises(RfspinError, match="no FSDD recordings"):
        load_fsdd(tmp_path / "emptydir")


@pytest.mark.parametrize("name", FRONTENDS)
def test_frontends_shapes_and_standardize(name):
    signal = _tone(4, 0)
    config = FrontendConfig(name=name)
    frames = compute_features(signal, RATE, config)
    expected_rows = len(signal) // config.hop_length
    assert abs(frames.shape[0] - expected_rows) <= 1 and frames.dtype == np.float32
    assert np.all(np.isfinite(frames))
    width = {"mfcc": 2 * config.n_mfcc, "spectrogram": config.spectrogram_bins}.get(name)
    if width is not None:
        assert frames.shape[1] == width
    (scaled,), (other,) = standardize([frames], [frames[:3]])
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-3)
    np.testing.assert_allclose(other, scaled[:3], atol=1e-6)  # test data scaled with the training statistics


def test_frontend_config_errors():
    with pytest.raises(RfspinError, match="front end 'fft'"):
        FrontendConfig(name="fft")
    with pytest.raises(RfspinError, match="n_mfcc"):
        FrontendConfig(n_mfcc=50, n_mels=40)


def test_reservoir_cli_end_to_end(fsdd_dir, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["reservoir", "--data-dir", str(fsdd_dir), "--nodes", "24", "--input-scaling", "0.3",
                 "--out", str(out), "--quiet", "--device", "cpu"])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("test_accuracy", "train_accuracy", "features_only_accuracy", "baseline_test_accuracy", "protocol"):
        assert key in metrics
    assert metrics["protocol"]["train_utterances"] == 40 and metrics["protocol"]["test_utterances"] == 100
    # synthesized digits are easy: the oscillator reservoir must beat chance by far
    assert metrics["test_accuracy"] >= 0.6
    assert (out / "confusion_matrix.png").stat().st_size > 1000
    assert (out / "oscillator_response.png").stat().st_size > 1000
    assert "oscillator test" in capsys.readouterr().out


def test_reservoir_cli_bad_input_one_line_no_folder(tmp_path, capsys):
    make_fsdd(tmp_path / "few", digits=range(9), indices=range(6))
    out = tmp_path / "run"
    code = main(["reservoir", "--data-dir", str(tmp_path / "few"), "--nodes", "8", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "digit(s) [9]" in err
    assert not out.exists()
    code = main(["reservoir", "--data-dir", str(tmp_path / "few"), "--nodes", "0", "--out", str(out), "--quiet"])
    assert code == 2 and not out.exists()
