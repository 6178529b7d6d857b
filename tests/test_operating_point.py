"""Operating points: each neuron-feeding chain's mean voltage lands at the requested window level."""

import pytest
import torch
import torch.nn.functional as F

from rfspin.nn import build_rf_network
from rfspin.nn.cnn import RFCNN, CNNSpec
from rfspin.nn.operating_point import set_operating_points_
from rfspin.physics.params import ROSS2023_OSCILLATOR as OSC


def test_window_voltage_is_threshold_and_clamp():
    net = build_rf_network((4, 3, 2))
    osc = net.oscillator_layers[0]
    v_th, v_max = osc.window_voltage(0.0), osc.window_voltage(1.0)
    # analytic: I = g_m (V + V_bias) equals I_th and zeta_max I_th
    torch.testing.assert_close(v_th, torch.full((3,), OSC.threshold_current / OSC.transconductance - OSC.bias_voltage))
    torch.testing.assert_close(osc.current(v_th[None])[0], torch.full((3,), OSC.threshold_current))
    torch.testing.assert_close(osc.current(v_max[None])[0], torch.full((3,), OSC.max_current_ratio * OSC.threshold_current))


@pytest.mark.parametrize("level", [0.25, 0.5])
def test_cnn_chains_are_centred(level):
    spec = CNNSpec(image_shape=(1, 12, 12), convs=((3, 3, 1, 0, 2), (4, 3, 1, 0, 1)), hidden=(5,),
                   stage_attenuation=3e-2)
    model = RFCNN(spec, generator=torch.Generator().manual_seed(0))
    x = torch.rand(64, 144, generator=torch.Generator().manual_seed(1))
    outputs_bias = model.head.resonator_layers[-1].bias_voltage().clone()
    set_operating_points_(model, x, level)
    p = x.view(-1, 1, 12, 12) * model.input_power
    with torch.no_grad():
        for conv, neurons in zip(model.convs, model.neurons):
            v = conv(p)
            v = F.avg_pool2d(v, neurons.pool) if neurons.pool > 1 else v
            torch.testing.assert_close(v.mean((0, 2, 3)), neurons.oscillators.window_voltage(level), rtol=0, atol=1e-7)
            p = neurons(conv(p)) * model.stage_attenuation
        hidden = model.head.resonator_layers[0](p.flatten(1))
        osc = model.head.oscillator_layers[0]
        torch.testing.assert_close(hidden.mean(0), osc.window_voltage(level), rtol=0, atol=1e-7)
    # the output chains feed no neuron: their bias is untouched
    torch.testing.assert_close(model.head.resonator_layers[-1].bias_voltage(), outputs_bias)


def test_mlp_and_errors(devices):
    net = build_rf_network((6, 4, 3), input_power=1e-6).to(devices)
    x = torch.rand(32, 6, generator=torch.Generator().manual_seed(2)).to(devices)
    set_operating_points_(net, x)
    with torch.no_grad():
        v = net.resonator_layers[0](x * net.input_power)
    torch.testing.assert_close(v.mean(0), net.oscillator_layers[0].window_voltage(0.5), rtol=0, atol=1e-7)
    with pytest.raises(ValueError, match="level"):
        set_operating_points_(net, x, 1.5)
    with pytest.raises(ValueError, match=">= 1 sample"):
        set_operating_points_(net, x[:0])
    with pytest.raises(ValueError, match="finite"):
        set_operating_points_(net, torch.full_like(x, float("nan")))
    with pytest.raises(TypeError, match="Linear"):
        set_operating_points_(torch.nn.Linear(2, 2), x)
