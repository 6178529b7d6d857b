"""RF convolution: reference computation, gradients, nn.Conv2d shape semantics, counts, CNNs."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.func import functional_call

from rfspin.nn.cnn import RFCNN, CNNSpec, SoftwareCNN
from rfspin.nn.conv import RFConv2d, RFConvNeurons
from rfspin.physics.resonator import chain_weights_direct


def make_conv(c_in=2, c_out=3, k=3, stride=1, padding=0, dtype=torch.float64, seed=0, **kw):
    return RFConv2d(c_in, c_out, k, stride, padding, generator=torch.Generator().manual_seed(seed),
                    init_detuning=2.0, dtype=dtype, **kw)


def reference_conv(layer: RFConv2d, powers: torch.Tensor) -> torch.Tensor:
    """Patch by patch: tone powers of each patch times chain weights from the direct formula."""
    ch = layer.chains
    w = chain_weights_direct(ch.tone_frequencies, ch.resonance_frequencies(), ch.signs, ch.sensitivity,
                             ch.damping, ch.antisymmetric_weight, ch.symmetric_weight)  # (C_out, I)
    (kh, kw), (sh, sw), (ph, pw) = layer.kernel_size, layer.stride, layer.padding
    x = F.pad(powers, (pw, pw, ph, ph))  # padded positions carry no tone (zero power)
    b, _, h, wd = x.shape
    h_out, w_out = (h - kh) // sh + 1, (wd - kw) // sw + 1
    out = torch.empty(b, layer.out_channels, h_out, w_out, dtype=powers.dtype)
    for yy in range(h_out):
        for xx in range(w_out):
            patch = x[:, :, yy * sh: yy * sh + kh, xx * sw: xx * sw + kw].reshape(b, -1)  # c, r, s order
            out[:, :, yy, xx] = patch @ w.T + ch.bias_voltage()
    return out


@pytest.mark.parametrize("k, stride, padding", [(3, 1, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 0)), (1, 1, 0)])
def test_matches_patchwise_reference(k, stride, padding):
    layer = make_conv(k=k, stride=stride, padding=padding)
    with torch.no_grad():
        layer.chains.bias_raw.copy_(torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64))
    powers = torch.rand(2, 2, 7, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 1e-6
    out = layer(powers)
    ref = reference_conv(layer, powers)
    assert out.shape == ref.shape
    torch.testing.assert_close(out, ref, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize(
    "c_in, c_out, k, stride, padding, size",
    [(1, 4, 5, 1, 0, (28, 28)), (3, 2, 3, 2, 1, (9, 8)), (2, 5, (3, 1), (2, 1), (0, 2), (10, 7)), (1, 1, 4, 3, 2, (5, 5))],
)
def test_output_shapes_as_nn_conv2d(c_in, c_out, k, stride, padding, size):
    layer = make_conv(c_in, c_out, k, stride, padding, dtype=torch.float32)
    ref = torch.nn.Conv2d(c_in, c_out, k, stride, padding)
    x = torch.rand(2, c_in, *size)
    assert layer(x * 1e-7).shape == ref(x).shape
    assert layer.output_size(size) == tuple(ref(x).shape[-2:])


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="in_channels"):
        RFConv2d(0, 2, 3)
    with pytest.raises(ValueError, match="padding >= 0"):
        RFConv2d(1, 2, 3, padding=-1)
    with pytest.raises(ValueError, match="encoding"):
        RFConv2d(1, 2, 3, encoding="magic")
    with pytest.raises(ValueError, match="tone_frequencies"):
        RFConv2d(1, 2, 3, tone_frequencies=torch.linspace(20e6, 120e6, 8))
    layer = make_conv()
    with pytest.raises(ValueError, match="expected \\(batch, 2, H, W\\)"):
        layer(torch.zeros(1, 3, 5, 5, dtype=torch.float64))
    with pytest.raises(ValueError, match="output would be empty"):
        layer(torch.zeros(1, 2, 2, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match="finite and >= 0"):
        layer(torch.full((1, 2, 5, 5), -1e-6, dtype=torch.float64))
    with pytest.raises(ValueError, match="finite and >= 0"):
        layer(torch.full((1, 2, 5, 5), float("nan"), dtype=torch.float64))


def test_gradcheck_float64():
    layer = make_conv(c_in=1, c_out=2, k=2, stride=1, padding=1)
    x = ((1 + torch.rand(1, 1, 3, 3, dtype=torch.float64)) * 1e-5).requires_grad_()  # stays >= 0 under eps
    det = layer.chains.detuning.detach().clone().requires_grad_()
    bias = torch.tensor([0.3, -0.2], dtype=torch.float64, requires_grad=True)

    def f(x, det, bias):
        return functional_call(layer, {"chains.detuning": det, "chains.bias_raw": bias}, (x,))

    assert torch.autograd.gradcheck(f, (x, det, bias), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_layer_counts_of_both_encodings():
    kw = dict(c_in=2, c_out=3, k=3, stride=1, padding=0, input_size=(6, 5))
    seq, par = make_conv(**kw), make_conv(**kw, encoding="parallel")
    a, b = seq.layer_counts(), par.layer_counts()
    positions = 4 * 3
    assert a.kind == b.kind == "rf_conv"
    assert (a.n_resonators, a.n_chains, a.evaluations) == (3 * 18, 3, positions)
    assert (b.n_resonators, b.n_chains, b.evaluations) == (3 * 18 * positions, 3 * positions, 1)
    assert a.synaptic_ops == b.synaptic_ops == 3 * 18 * positions  # same function, same work
    with pytest.raises(ValueError, match="input_size"):
        make_conv().layer_counts()


def test_same_function_for_both_encodings():
    x = torch.rand(2, 2, 6, 5, dtype=torch.float64) * 1e-6
    torch.testing.assert_close(make_conv()(x), make_conv(encoding="parallel")(x))


def test_neurons_pool_voltages_then_oscillate():
    neurons = RFConvNeurons(3, pool=2, input_size=(4, 6))
    v = torch.randn(2, 3, 4, 6) * 4e-3
    p = neurons(v)
    assert p.shape == (2, 3, 2, 3) and neurons.n_neurons == 3 * 2 * 3
    pooled = F.avg_pool2d(v, 2)
    ref = neurons.oscillators(pooled.permute(0, 2, 3, 1).reshape(-1, 3)).powers.reshape(2, 2, 3, 3).permute(0, 3, 1, 2)
    torch.testing.assert_close(p, ref)
    assert bool((p >= 0).all()) and float(p.max()) <= 1e-6 * (1 + 1e-5)  # clamp: max_output_power


def test_cnn_shapes_counts_and_baseline():
    spec = CNNSpec(image_shape=(1, 12, 12), convs=((4, 3, 1, 1, 2), (6, 3, 1, 0, 2)), hidden=(8,), n_classes=3)
    rf, sw = RFCNN(spec, generator=torch.Generator().manual_seed(0)), SoftwareCNN(spec)
    x = torch.rand(5, 144)
    assert rf(x).shape == sw(x).shape == (5, 3)
    assert spec.sizes == (144, 4 * 36, 6 * 4, 8, 3)
    # resonators: kernels 4x9 + 6x36, head 24 tones -> 8 chains, 8 -> 3 chains
    assert rf.n_synapses == 4 * 9 + 6 * 36 + 8 * 24 + 3 * 8
    assert rf.n_neurons == sw.n_neurons == 144 + 4 * 36 + 6 * 4 + 8
    par = RFCNN(CNNSpec(**{**spec.__dict__, "encoding": "parallel"}))
    assert par.n_synapses == 4 * 9 * 144 + 6 * 36 * 16 + 8 * 24 + 3 * 8
    assert CNNSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ValueError, match="expected \\(batch, 144\\)"):
        rf(torch.rand(5, 143))
    with pytest.raises(ValueError, match="empty"):
        CNNSpec(image_shape=(1, 4, 4), convs=((2, 5, 1, 0, 1),))


def test_cnn_trains_a_step_and_projects():
    spec = CNNSpec(image_shape=(1, 8, 8), convs=((3, 3, 1, 0, 2),), n_classes=2)
    model = RFCNN(spec, generator=torch.Generator().manual_seed(0))
    x, y = torch.rand(16, 64), torch.arange(16) % 2
    loss = F.cross_entropy(model.logits(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and bool(torch.isfinite(g).all()) for g in grads)
    assert any(float(g.abs().sum()) > 0 for g in grads[:1])  # the kernel's detuning gets a gradient
    with torch.no_grad():
        model.convs[0].chains.detuning.fill_(1e9)
    model.project_()
    f = model.convs[0].chains.resonance_frequencies().detach()
    assert float(f.max()) <= spec.resonator.max_resonance_frequency * (1 + 1e-6)
