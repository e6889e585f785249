"""Shared cross-attention keys/values: no per-question copy, same result."""
import pytest
import torch

from mcg.fusors.cross_attention import CrossAttentionFusor
from mcg.layers.attention import attend
from mcg.layers.grouped_attention import group_rows, grouped_attention
from mcg.layers.transformer_block import (MemoryPart, padding_mask,
                                          shared_part)
from mcg.utils.benchmarking import saved_bytes

INDICES = {
    'sorted_equal': [0, 0, 1, 1, 2, 2],
    'unsorted_unequal': [2, 0, 2, 1, 2, 0],
    'unused_source': [1, 1, 3, 1],
}


@pytest.mark.parametrize('name', INDICES)
@pytest.mark.parametrize('impl', ['sdpa', 'matmul', 'math'])
@pytest.mark.parametrize('masked', [False, True])
def test_grouped_equals_gathered_forward_and_grads(name, impl, masked):
    index = torch.tensor(INDICES[name])
    b, s, h, lq, m, d = len(index), int(index.max()) + 1, 2, 3, 11, 8
    g = torch.Generator().manual_seed(0)
    q = torch.randn(b, h, lq, d, generator=g, requires_grad=True)
    k = torch.randn(s, h, m, d, generator=g, requires_grad=True)
    v = torch.randn(s, h, m, d, generator=g, requires_grad=True)
    mask = None
    if masked:
        mask = torch.rand(b, 1, 1, m, generator=g) > 0.3
        mask[..., 0] = True
    groups = group_rows(index, s)
    assert (groups.slot is None) == (name == 'sorted_equal')
    got = grouped_attention(q, k, v, groups, mask, impl=impl)
    want = attend(q, k[index], v[index], mask, impl=impl)
    assert (got - want).abs().max() <= 1e-5
    grad = torch.randn(got.shape, generator=g)
    for a, c in zip(torch.autograd.grad(got, (q, k, v), grad),
                    torch.autograd.grad(want, (q, k, v), grad)):
        assert (a - c).abs().max() <= 1e-5


def tiny_fusor(**kw):
    torch.manual_seed(0)
    return CrossAttentionFusor(32, 16, num_layers=2, num_heads=4,
                               ffn_dims=64, dropout=0.0, **kw).train()


def fusor_inputs(rows, clips=3, length=5, tokens=9):
    g = torch.Generator().manual_seed(1)
    text = torch.randn(len(rows), length, 32, generator=g)
    mask = torch.ones(len(rows), length)
    mask[0, -2:] = 0
    video = torch.randn(clips, tokens, 16, generator=g, requires_grad=True)
    return text, mask, video


def test_fusor_on_shared_clips_equals_fusor_on_copied_clips():
    rows = [2, 0, 0, 1, 2, 2, 0]
    fusor = tiny_fusor()
    text, mask, video = fusor_inputs(rows)
    shared, _ = fusor(text, mask, [shared_part(video, rows)])
    copied, _ = fusor(text, mask, video[torch.tensor(rows)])
    assert (shared - copied).abs().max() <= 1e-5
    grad_shared = torch.autograd.grad(shared.square().sum(), video)[0]
    grad_copied = torch.autograd.grad(copied.square().sum(), video)[0]
    assert (grad_shared - grad_copied).abs().max() <= 1e-4


def test_shared_keys_values_are_projected_and_kept_once_per_clip():
    fusor = tiny_fusor()
    rows = [0] * 40                      # one clip, 40 questions
    text, mask, video = fusor_inputs(rows, clips=1, tokens=64)
    part = shared_part(video, rows)
    kv = fusor.blocks[0].cross_attn.project_kv([part])
    assert kv.k.shape[0] == 1 and kv.v.shape[0] == 1      # not 40
    counters = {}
    for name, memory in (('shared', [part]),
                         ('copied', [MemoryPart(video[torch.tensor(rows)])])):
        counters[name] = {'bytes': 0}
        with saved_bytes(counters[name]):
            fusor(text, mask, memory)
    # What sharing saves: the per-question copies of each layer's 64 x 32
    # fp32 keys and values.
    copies = len(rows) * 64 * 32 * 4 * 2 * len(fusor.blocks)
    saved = counters['copied']['bytes'] - counters['shared']['bytes']
    assert saved >= 0.9 * copies


def test_fusor_forward_reads_nothing_back_from_the_device():
    # The meta device has no values: any host sync (bool(mask.all()),
    # .item(), .tolist()) raises there.
    fusor = tiny_fusor().to('meta')
    rows = [0, 0, 1]
    text = torch.randn(3, 5, 32, device='meta')
    mask = torch.ones(3, 5, device='meta')
    video = torch.randn(2, 9, 16, device='meta')
    assert padding_mask(mask).shape == (3, 1, 1, 5)
    out, _ = fusor(text, mask, [shared_part(video, rows)])
    assert out.shape == (3, 6, 32) and out.device.type == 'meta'


def test_fusor_gradient_checkpointing_same_result_fewer_saved_bytes():
    rows = [0, 0, 1, 1, 1]
    text, mask, video = fusor_inputs(rows)
    results = {}
    for ckpt in (False, True):
        fusor = tiny_fusor(gradient_checkpointing=ckpt)
        counter = {'bytes': 0}
        with saved_bytes(counter):
            out, _ = fusor(text, mask, [shared_part(video, rows)])
        grads = torch.autograd.grad(out.square().sum(),
                                    [video] + list(fusor.parameters()))
        results[ckpt] = (out.detach(), grads, counter['bytes'])
    (out0, g0, b0), (out1, g1, b1) = results[False], results[True]
    assert torch.equal(out0, out1)
    assert all(torch.allclose(a, c, atol=1e-6) for a, c in zip(g0, g1))
    assert b1 < b0 / 2
