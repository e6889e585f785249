"""The linear policy: every backend computes F.linear, forward and gradients."""
import pytest
import torch
from mmengine.registry import init_default_scope
from torch import nn

from mcg.layers.linear import (LINEAR_IMPLS, PolicyLinear, check_linear_impl,
                               choose_linear_impl, linear, onednn_available,
                               route_linears)

needs_onednn = pytest.mark.skipif(not onednn_available(),
                                  reason='this PyTorch build has no oneDNN')


def tensors(shape_x, n_out, bias=True, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape_x, generator=g).requires_grad_()
    w = torch.randn(n_out, shape_x[-1], generator=g).requires_grad_()
    b = torch.randn(n_out, generator=g).requires_grad_() if bias else None
    return x, w, b


def reference(x, w, b):
    """F.linear and its gradients in float64."""
    ins = [t.detach().double().requires_grad_() for t in (x, w)]
    if b is not None:
        ins.append(b.detach().double().requires_grad_())
    out = nn.functional.linear(*ins)
    return out, ins


def upstream(out, seed=1):
    return torch.randn(out.shape, generator=torch.Generator().manual_seed(
        seed)).to(out.dtype)


@needs_onednn
@pytest.mark.parametrize('impl', LINEAR_IMPLS)
@pytest.mark.parametrize('case', ['2d', '3d', 'no_bias', 'transposed_input',
                                  'one_row'])
def test_fp32_forward_and_gradients_match_reference(impl, case):
    shape, bias = {'2d': ((37, 24), True), '3d': ((3, 11, 24), True),
                   'no_bias': ((3, 11, 24), False),
                   'transposed_input': ((11, 3, 24), True),
                   'one_row': ((1, 24), True)}[case]
    x, w, b = tensors(shape, 40, bias)
    if case == 'transposed_input':
        x = x.detach().transpose(0, 1).requires_grad_()   # not contiguous
        assert not x.is_contiguous()
    out = linear(x, w, b, impl=impl)
    ref, ref_ins = reference(x, w, b)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out.double(), ref, rtol=1e-5, atol=1e-5)
    params = [t for t in (x, w, b) if t is not None]
    got = torch.autograd.grad(out, params, upstream(out))
    want = torch.autograd.grad(ref, ref_ins, upstream(ref))
    for g_got, g_want in zip(got, want):
        torch.testing.assert_close(g_got.double(), g_want, rtol=1e-5,
                                   atol=1e-4)


@needs_onednn
def test_frozen_weight_and_constant_input_get_no_gradient():
    x, w, b = tensors((5, 8), 6)
    w.requires_grad_(False)
    x = x.detach()
    out = linear(x, w, b, impl='onednn')
    out.sum().backward()
    assert w.grad is None and x.grad is None
    torch.testing.assert_close(b.grad, torch.full((6,), 5.0))


@needs_onednn
def test_bf16_autocast_falls_back_to_pytorch():
    x, w, b = tensors((7, 16), 8)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        got = linear(x, w, b, impl='onednn')
        want = nn.functional.linear(x, w, b)
    assert got.dtype == torch.bfloat16
    assert torch.equal(got, want)


def test_meta_tensors_take_the_pytorch_path():
    x = torch.empty(4, 8, device='meta')
    w = torch.empty(3, 8, device='meta')
    assert linear(x, w, impl='onednn').shape == (4, 3)


def test_policy():
    expected = 'onednn' if onednn_available() else 'aten'
    assert choose_linear_impl('cpu', torch.float32) == expected
    assert choose_linear_impl('cpu', torch.bfloat16) == 'aten'
    assert choose_linear_impl('cuda', torch.float32) == 'aten'
    assert check_linear_impl('auto') == 'auto'
    with pytest.raises(ValueError, match='linear_impl'):
        check_linear_impl('mkl')


class _OwnLinear(nn.Linear):
    """A subclass with its own forward (as LoRA or quantised layers have)."""

    def forward(self, x):
        return super().forward(x) * 2


def test_route_linears_keeps_parameters_and_names():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(),
                          nn.Sequential(nn.Linear(8, 8), _OwnLinear(8, 2)))
    params = dict(model.named_parameters())
    layers = list(model.modules())
    x = torch.randn(3, 4)
    before = model(x)
    assert route_linears(model, 'onednn') == 2
    assert type(model[0]) is PolicyLinear and model[0].impl == 'onednn'
    assert type(model[2][0]) is PolicyLinear
    assert type(model[2][1]) is _OwnLinear                  # left alone
    after = dict(model.named_parameters())
    assert after.keys() == params.keys()
    assert all(after[k] is params[k] for k in params)       # same objects
    assert list(model.modules()) == layers                  # same modules
    torch.testing.assert_close(model(x), before)
    assert route_linears(model, 'aten') == 2                # re-routed
    assert model[0].impl == 'aten'
    assert 'impl=aten' in repr(model[0])


def test_tied_weights_stay_tied():
    emb = nn.Embedding(10, 6)
    out = nn.Linear(6, 10, bias=False)
    out.weight = emb.weight
    model = nn.ModuleDict(dict(emb=emb, out=out))
    route_linears(model)
    assert model['out'].weight is model['emb'].weight


def test_model_routes_the_video_encoder_linears(micro_cfg):
    from mcg.registry import MODELS
    init_default_scope('mcg')
    model = MODELS.build(micro_cfg.model)
    routed = [m for m in model.video_encoder.modules()
              if isinstance(m, nn.Linear)]
    assert routed and all(type(m) is PolicyLinear for m in routed)
    assert {m.impl for m in routed} == {'auto'}
    # The text side's row counts change per batch (a new oneDNN kernel per
    # shape): PyTorch's own linears there.
    others = [m for name, m in model.named_modules()
              if isinstance(m, nn.Linear)
              and not name.startswith('video_encoder.')]
    assert others and all(type(m) is nn.Linear for m in others)
    micro_cfg.model.linear_impl = 'aten'
    model = MODELS.build(micro_cfg.model)
    assert {m.impl for m in model.modules()
            if isinstance(m, PolicyLinear)} == {'aten'}
    micro_cfg.model.linear_impl = 'blas'
    with pytest.raises(ValueError, match='linear_impl'):
        MODELS.build(micro_cfg.model)
