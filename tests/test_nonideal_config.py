"""Non-ideality configs: units in keys, presets, validation errors that name key and value."""

import math

import pytest

from rfspin.nonideal import (
    PRESETS,
    NonIdealities,
    ProgrammingError,
    describe,
    from_description,
    load_nonidealities,
    parse_nonidealities,
    with_setting,
)


def test_units_convert_to_si():
    cfg = parse_nonidealities({
        "programming_error": {"relative_sigma_percent": 0.5, "absolute_sigma_khz": 20},
        "temperature": {"temperature_k": 320, "resonance_frequency_coefficient_ppm_per_k": -1300},
        "tuning": {"tuning_range_mhz": 15, "resolution_khz": 50},
        "adc": {"bits": 8, "full_scale_mv": 50},
        "saturation": {"saturation_power_uw": 10},
        "insertion_loss": {"loss_per_device_db": 0.1},
    })
    assert cfg.programming_error == ProgrammingError(relative_sigma=0.005, absolute_sigma=20e3)
    assert cfg.temperature.temperature == 320 and math.isclose(cfg.temperature.resonance_frequency_coefficient, -1.3e-3)
    assert cfg.tuning.tuning_range == 15e6 and cfg.tuning.resolution == 50e3
    assert cfg.adc.bits == 8 and math.isclose(cfg.adc.full_scale, 0.05)
    assert math.isclose(cfg.saturation.saturation_power, 1e-5)


def test_preset_then_override(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('preset = "lab-2023"\n[programming_error]\nrelative_sigma_percent = 1\n')
    cfg = load_nonidealities(path)
    assert cfg.programming_error.relative_sigma == 0.01
    assert cfg.variability == PRESETS["lab-2023"].variability
    assert PRESETS["ideal"] == NonIdealities()


@pytest.mark.parametrize(
    "data, words",
    [
        ({"programing_error": {}}, ["programing_error", "unknown"]),
        ({"programming_error": {"relative_sgima_percent": 1}}, ["relative_sgima_percent", "unknown key"]),
        ({"programming_error": {"relative_sigma_percent": -1}}, ["relative_sigma_percent", "-1", ">= 0"]),
        ({"programming_error": {"relative_sigma_hz": 1}}, ["relative_sigma_hz", "unit 'hz'", "relative_sigma_percent"]),
        ({"programming_error": {"absolute_sigma_percent": 1}}, ["absolute_sigma_percent", "absolute_sigma_hz"]),
        ({"programming_error": {"relative_sigma_percent": math.nan}}, ["relative_sigma_percent", "nan", "finite"]),
        ({"programming_error": {"relative_sigma_percent": "1"}}, ["relative_sigma_percent", "'1'", "number"]),
        ({"temperature": {"temperature": 300}}, ["temperature.temperature", "temperature_k"]),
        ({"temperature": {"temperature_k": -3}}, ["temperature", "-3", "> 0"]),
        ({"defects": {"dead_fraction_percent": 150}}, ["dead_fraction", "[0, 1]"]),
        ({"adc": {"bits": 2.5}}, ["adc.bits", "2.5", "integer"]),
        ({"preset": "nope"}, ["nope", "lab-2023"]),
    ],
)
def test_bad_configs_name_key_and_value(data, words):
    with pytest.raises(ValueError) as info:
        parse_nonidealities(data)
    for word in words:
        assert word in str(info.value)


def test_bad_toml_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[voltage_noise]\nbandwidth_hz = nan\n")
    with pytest.raises(ValueError, match="bad.toml.*bandwidth_hz = nan"):
        load_nonidealities(path)
    path.write_text("[voltage_noise\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_nonidealities(path)
    with pytest.raises(FileNotFoundError):
        load_nonidealities(tmp_path / "missing.toml")


def test_setting_and_description_round_trip():
    cfg = with_setting(PRESETS["nv-analog"], "programming_error.relative_sigma_percent", 2)
    assert cfg.programming_error.relative_sigma == 0.02
    assert from_description(describe(cfg)) == cfg  # inf survives as None
    with pytest.raises(ValueError, match="SECTION.KEY_UNIT"):
        with_setting(cfg, "relative_sigma_percent", 1)
