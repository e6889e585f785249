"""TransformerBlock: post-norm (BERT layout) and pre-norm modes."""
import pytest
import torch
from torch import nn

from mcg.fusors.cross_attention import CrossAttentionFusor
from mcg.heads.generator import AnswerGeneratorHead
from mcg.layers.transformer_block import TransformerBlock


def reference_pre_norm(block, x, memory):
    """Pre-norm written out with plain torch modules, for comparison."""
    def attn(mha, q_in, kv_in, causal=False):
        h = mha.num_heads
        q, k, v = (lin(t).unflatten(-1, (h, -1)).transpose(1, 2)
                   for lin, t in ((mha.query, q_in), (mha.key, kv_in),
                                  (mha.value, kv_in)))
        scores = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5
        if causal:
            n = scores.shape[-1]
            scores = scores.masked_fill(
                torch.ones(n, n, dtype=torch.bool).triu(1), float('-inf'))
        return (scores.softmax(-1) @ v).transpose(1, 2).flatten(2)

    so, co, out = block.self_out, block.cross_out, block.output
    h = so.LayerNorm(x)
    x = x + so.dense(attn(block.self_attn, h, h, causal=True))
    x = x + co.dense(attn(block.cross_attn, co.LayerNorm(x), memory))
    return x + out.dense(nn.functional.gelu(
        block.intermediate(out.LayerNorm(x))))


def test_pre_norm_block_matches_reference():
    torch.manual_seed(0)
    block = TransformerBlock(32, 4, 64, memory_dims=16, dropout=0.0,
                             attn_dropout=0.0, norm_first=True).eval()
    for p in block.parameters():  # non-trivial LayerNorm affine params
        nn.init.normal_(p, std=0.3)
    x, memory = torch.randn(2, 5, 32), torch.randn(2, 7, 16)
    got = block(x, memory=memory, is_causal=True)
    assert torch.allclose(got, reference_pre_norm(block, x, memory),
                          atol=1e-5)


def test_pre_norm_and_post_norm_share_parameter_names():
    post = TransformerBlock(32, 4, 64, memory_dims=16)
    pre = TransformerBlock(32, 4, 64, memory_dims=16, norm_first=True)
    assert post.state_dict().keys() == pre.state_dict().keys()
    x = torch.randn(1, 3, 32)
    pre.load_state_dict(post.state_dict())
    # Same weights, different wiring: the outputs differ.
    assert not torch.allclose(post.eval()(x), pre.eval()(x))


def test_pre_norm_stacks_end_with_a_layer_norm():
    fusor = CrossAttentionFusor(32, 16, num_layers=1, num_heads=4,
                                ffn_dims=64, norm_first=True)
    out, _ = fusor(torch.randn(2, 4, 32) * 50, torch.ones(2, 4),
                   torch.randn(2, 6, 16))
    # A final LayerNorm (unit weight at init): zero mean, unit variance rows.
    assert torch.allclose(out.mean(-1), torch.zeros(2, 5), atol=1e-4)
    assert torch.allclose(out.var(-1, unbiased=False), torch.ones(2, 5),
                          atol=1e-3)


@pytest.mark.parametrize('cls', [CrossAttentionFusor, AnswerGeneratorHead])
def test_pre_norm_refuses_post_norm_bert_weights(cls):
    with pytest.raises(ValueError, match='post-norm'):
        cls(32, 32, num_layers=1, num_heads=4, ffn_dims=64,
            pretrained='bert-base-uncased', norm_first=True)
