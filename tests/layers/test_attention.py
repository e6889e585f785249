"""The attention policy: every implementation computes the same attention."""
import pytest
import torch

from mcg.encoders import TimeSformerEncoder
from mcg.layers.attention import (IMPLS, attend, check_impl, choose_impl,
                                  resolve_impl)

CPU_IMPLS = [i for i in IMPLS if i != 'efficient']  # CUDA-only backend


def inputs(lq, lk, dtype=torch.float32, b=3, h=2, d=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, h, n, d, generator=g).to(dtype).requires_grad_()
            for n in (lq, lk, lk)]


def reference(q, k, v, mask=None, is_causal=False):
    """Attention in float64 through SDPA's math backend."""
    return attend(*(t.detach().double() for t in (q, k, v)), mask=mask,
                  is_causal=is_causal, impl='math')


def grads(out, tensors, seed=1):
    g = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed))
    return torch.autograd.grad(out, tensors, g.to(out.dtype))


def padding(b, lk):
    mask = torch.ones(b, 1, 1, lk, dtype=torch.bool)
    mask[0, ..., lk // 2:] = False          # a padded row
    return mask


@pytest.mark.parametrize('impl', CPU_IMPLS)
@pytest.mark.parametrize('case', ['temporal', 'spatial', 'cross', 'masked',
                                  'causal'])
def test_fp32_forward_and_gradients_match_reference(impl, case):
    lq, lk = {'temporal': (8, 8), 'spatial': (17, 17), 'cross': (5, 23),
              'masked': (5, 23), 'causal': (7, 7)}[case]
    q, k, v = inputs(lq, lk)
    mask = padding(3, lk) if case == 'masked' else None
    causal = case == 'causal'
    out = attend(q, k, v, mask=mask, is_causal=causal, impl=impl)
    ref_inputs = [t.detach().double().requires_grad_() for t in (q, k, v)]
    ref = attend(*ref_inputs, mask=mask, is_causal=causal, impl='math')
    assert (out.double() - ref).abs().max() <= 1e-5
    for got, want in zip(grads(out, (q, k, v)), grads(ref, ref_inputs)):
        assert (got.double() - want).abs().max() <= 1e-5


@pytest.mark.parametrize('impl', CPU_IMPLS)
def test_bf16_autocast_matches_fp32_within_bf16_tolerance(impl):
    q, k, v = inputs(9, 33)
    mask = padding(3, 33)
    want = attend(q, k, v, mask=mask, impl='math')
    want_grads = grads(want, (q, k, v))
    q16, k16, v16 = (t.detach().bfloat16().requires_grad_()
                     for t in (q, k, v))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        got = attend(q16, k16, v16, mask=mask, impl=impl)
    # bf16 keeps 8 bits of mantissa: ~0.4 % per rounding, a few roundings.
    assert torch.allclose(got.float(), want, rtol=2e-2, atol=2e-2)
    for g, w in zip(grads(got, (q16, k16, v16)), want_grads):
        assert torch.allclose(g.float(), w, rtol=5e-2, atol=5e-2)


def test_causal_with_fewer_queries_than_keys_aligns_like_sdpa():
    q, k, v = inputs(3, 7)
    got = attend(q, k, v, is_causal=True, impl='matmul')
    assert torch.allclose(got, attend(q, k, v, is_causal=True, impl='sdpa'),
                          atol=1e-6)


def test_auto_resolves_by_device_dtype_and_length():
    q, k, _ = inputs(8, 8)
    assert resolve_impl('auto', q, k) == choose_impl('cpu', torch.float32, 8)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert resolve_impl('auto', q, k) == choose_impl(
            'cpu', torch.bfloat16, 8)
    assert resolve_impl('math', q, k) == 'math'      # an override wins
    # GPUs keep SDPA (flash / memory-efficient); not measured here.
    assert choose_impl('cuda', torch.bfloat16, 4096) == 'sdpa'
    assert choose_impl('cuda', torch.float32, 8) == 'sdpa'


def test_unknown_impl_is_rejected():
    with pytest.raises(ValueError, match='attn_impl'):
        check_impl('fast')
    with pytest.raises(ValueError, match='attn_impl'):
        TimeSformerEncoder(img_size=32, embed_dims=32, depth=1, num_heads=2,
                           num_frames=2, attn_impl='fast')


def test_encoder_gives_the_same_output_and_grads_with_every_impl():
    torch.manual_seed(0)
    enc = TimeSformerEncoder(img_size=32, patch_size=16, num_frames=2,
                             embed_dims=32, depth=2, num_heads=2,
                             drop_path_rate=0.0, zero_init_temporal_fc=False)
    video = torch.randn(2, 2, 3, 32, 32)
    results = {}
    for impl in CPU_IMPLS:
        for block in enc.blocks:
            block.attn_impl = impl
        enc.zero_grad()
        out = enc(video)
        out.square().mean().backward()
        results[impl] = (out.detach(), enc.blocks[0].attn.qkv.weight.grad
                         .clone())
    out0, grad0 = results['math']
    for impl, (out, grad) in results.items():
        assert (out - out0).abs().max() <= 1e-5, impl
        assert (grad - grad0).abs().max() <= 1e-5, impl
