"""oscillator_power: the fused P(V) of the neurons, its closed-form derivative against autograd."""

import pytest
import torch

import rfspin.physics.oscillator as oscillator_module
from rfspin.physics.oscillator import oscillator_current, oscillator_power, output_power
from rfspin.physics.params import ROSS2023_OSCILLATOR as P


@pytest.fixture(params=["compiled", "torch"], autouse=True)
def _path(request, monkeypatch):
    """Every test twice: with the compiled pass (numba, where installed) and with the tensor passes."""
    if request.param == "torch":
        monkeypatch.setattr(oscillator_module, "compiled_power", lambda *args, **kwargs: None)


def _params(dtype, shape=()):
    values = (P.transconductance, P.bias_voltage, P.max_current_ratio * P.threshold_current, P.threshold_current,
              P.nonlinear_damping, P.resistance, P.magnetoresistance_ratio, P.spin_polarization, P.power_prefactor)
    return [torch.full(shape, v, dtype=dtype) for v in values]


def _composite(v, params):
    return output_power(oscillator_current(v, *params[:3]), *params[3:])


def _voltages(dtype, n=(64, 24)):
    gen = torch.Generator().manual_seed(0)
    i_max = P.max_current_ratio * P.threshold_current
    current = (torch.rand(n, generator=gen, dtype=torch.float64) * 1.6 - 0.3) * i_max  # below 0 .. above clamp
    return (current / P.transconductance - P.bias_voltage).to(dtype)


def test_values_equal_the_composite_bit_for_bit():
    for dtype in (torch.float32, torch.float64):
        v = _voltages(dtype).requires_grad_()
        params = _params(dtype, (24,))
        assert torch.equal(oscillator_power(v, *params), _composite(v.detach(), params))
        assert torch.equal(oscillator_power(v.detach(), *params), _composite(v.detach(), params))


def test_gradient_matches_autograd_including_kinks():
    # raw current = V exactly: below 0, at 0, at threshold (zeta = 1), above, at the clamp (tie), beyond
    v = torch.tensor([-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    params = [torch.tensor(x, dtype=torch.float64) for x in (1.0, 0.0, 2.0, 1.0, 2.5, 3.0, 0.5, 0.7, 1.2)]
    (grad,) = torch.autograd.grad(oscillator_power(v, *params).sum(), v)
    w = v.detach().clone().requires_grad_()
    (ref,) = torch.autograd.grad(_composite(w, params).sum(), w)
    torch.testing.assert_close(grad, ref, rtol=1e-12, atol=0.0)
    for dtype, tol in ((torch.float32, 1e-5), (torch.float64, 1e-12)):
        v = _voltages(dtype).requires_grad_()
        params = _params(dtype, (24,))
        g = torch.randn(v.shape, dtype=dtype, generator=torch.Generator().manual_seed(1))
        (grad,) = torch.autograd.grad(oscillator_power(v, *params), v, g)
        w = v.detach().clone().requires_grad_()
        (ref,) = torch.autograd.grad(_composite(w, params), w, g)
        torch.testing.assert_close(grad, ref, rtol=tol, atol=tol * float(ref.abs().max()))


def test_gradcheck_float64_and_broadcast_shapes():
    params = _params(torch.float64, (3, 1, 5))  # per chip (C, 1, N), voltages (C, B, N)
    v = _voltages(torch.float64, (3, 4, 5)).requires_grad_()
    assert torch.autograd.gradcheck(lambda x: oscillator_power(x, *params), (v,))
    small = _voltages(torch.float64, (4, 5)).requires_grad_()  # voltages broadcast against the parameters
    assert torch.autograd.gradcheck(lambda x: oscillator_power(x, *params), (small,))


def test_parameter_gradients_take_the_composite_path():
    params = _params(torch.float64, (5,))
    params[3].requires_grad_()  # threshold current
    v = _voltages(torch.float64, (4, 5)).requires_grad_()
    gv, gth = torch.autograd.grad(oscillator_power(v, *params).sum(), (v, params[3]))
    w, th = v.detach().clone().requires_grad_(), params[3].detach().clone().requires_grad_()
    rv, rth = torch.autograd.grad(_composite(w, [*params[:3], th, *params[4:]]).sum(), (w, th))
    torch.testing.assert_close(gv, rv)
    torch.testing.assert_close(gth, rth)
