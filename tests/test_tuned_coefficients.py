"""tuned_coefficients: detuning -> (f, Delta, A, B) with a closed-form derivative, against autograd."""

import torch

from rfspin.physics.resonator import coefficients_from_factors, tuned_coefficients, tuned_frequency


def _inputs(dtype=torch.float64):
    gen = torch.Generator().manual_seed(0)
    anchors = torch.linspace(20e6, 120e6, 12, dtype=dtype)
    detuning = (torch.rand(5, 12, generator=gen, dtype=dtype) * 2 - 1) * 3
    detuning[0, 0], detuning[1, -1] = -1e4, 1e4  # clamped at the band's edges
    low, high = torch.tensor(19e6, dtype=dtype), torch.tensor(125e6, dtype=dtype)
    damping = torch.full((5, 12), 0.01, dtype=dtype) * (1 + 0.1 * torch.rand(5, 12, generator=gen, dtype=dtype))
    signs = (-1.0) ** torch.arange(12, dtype=dtype)
    return detuning, anchors, 0.01, low, high, damping, 2 * signs * 3.0, 2 * signs * 0.4


def _composite(x, anchors, alpha, low, high, damping, fa, fb):
    f = tuned_frequency(anchors, alpha, x, low, high)
    return (f, *coefficients_from_factors(f, damping, fa, fb))


def test_values_bit_for_bit_and_gradients_match_autograd():
    x, *rest = _inputs()
    gen = torch.Generator().manual_seed(1)
    weights = [torch.randn(5, 12, generator=gen, dtype=x.dtype) for _ in range(4)]
    for used in ([0, 1, 2, 3], [1, 2, 3], [0], [3]):  # outputs that reach the loss
        xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
        ours, ref = tuned_coefficients(xa, *rest), _composite(xb, *rest)
        for p, q in zip(ours, ref):
            assert torch.equal(p.detach(), q.detach())
        (g,) = torch.autograd.grad(sum((ours[j] * weights[j] / ours[j].detach().abs().amax()).sum() for j in used), xa)
        (r,) = torch.autograd.grad(sum((ref[j] * weights[j] / ref[j].detach().abs().amax()).sum() for j in used), xb)
        torch.testing.assert_close(g, r, rtol=1e-12, atol=1e-12 * float(r.abs().max()))
        assert g[0, 0] == 0 and g[1, -1] == 0  # clamped: no gradient


def test_gradcheck_float64():
    x, anchors, alpha, low, high, damping, fa, fb = _inputs()
    x = (x.clamp(-3, 3) / 1e4).requires_grad_()  # small steps in Hz terms: well inside the band

    def scaled(t):  # O(1) outputs for the finite differences
        f, d, a, b = tuned_coefficients(t * 1e4, anchors, alpha, low, high, damping, fa, fb)
        return f / 1e8, d / 1e6, a / 1e6, b / 1e12

    assert torch.autograd.gradcheck(scaled, (x,))


def test_compiled_pass_same_as_tensor_passes(monkeypatch):
    """The compiled tuning map (numba) gives the tensor passes' values bit for bit, float32 and float64."""
    import pytest

    from rfspin.physics import resonator

    pytest.importorskip("numba")
    for dtype in (torch.float32, torch.float64):
        x, anchors, alpha, low, high, damping, fa, fb = _inputs(dtype)
        args = (anchors, alpha, low, high, damping, fa.to(dtype), fb.to(dtype))
        assert resonator._compiled_tuning(x, anchors, low, high, damping, fa, fb) is not None
        gen = torch.Generator().manual_seed(2)
        weights = [torch.randn(5, 12, generator=gen, dtype=dtype) for _ in range(4)]

        def run():
            xa = x.clone().requires_grad_()
            outs = tuned_coefficients(xa, *args)
            loss = sum((o * w / o.detach().abs().amax()).sum() for o, w in zip(outs[1:], weights[1:]))
            (g,) = torch.autograd.grad(loss + (outs[0] * weights[0] / outs[0].detach().abs().amax()).sum(), xa)
            return [o.detach() for o in outs], g

        ours, g_ours = run()
        monkeypatch.setattr(resonator, "_compiled_tuning", lambda *a: None)
        ref, g_ref = run()
        monkeypatch.undo()
        for p, q in zip(ours, ref):
            assert torch.equal(p, q)
        torch.testing.assert_close(g_ours, g_ref, rtol=1e-6 if dtype == torch.float32 else 1e-13, atol=0)
        assert g_ours[0, 0] == 0 and g_ours[1, -1] == 0
