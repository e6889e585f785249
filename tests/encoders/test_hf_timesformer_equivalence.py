"""mcg's TimeSformer against HF TimesformerModel with the same weights.

HF's attention is eager matmul/softmax, mcg's is SDPA, so equal outputs check
the block structure, the parameter mapping and the token layout independently
of the attention kernel.
"""
import pytest
import torch

from mcg.encoders import TimeSformerEncoder
from mcg.weights import (UnmappedKeysError, hf_timesformer_to_mcg,
                         hf_to_mcg_tokens, mcg_to_hf_tokens)

transformers = pytest.importorskip('transformers')


def random_hf(img, patch, frames, dims, depth, heads, seed=0):
    """A random HF Timesformer whose every parameter is non-trivial.

    HF leaves ``time_embeddings`` at zero and LayerNorms at identity; they
    are perturbed so that a wrong mapping of any of them shows up.
    """
    torch.manual_seed(seed)
    cfg = transformers.TimesformerConfig(
        image_size=img, patch_size=patch, num_frames=frames, hidden_size=dims,
        num_hidden_layers=depth, num_attention_heads=heads,
        intermediate_size=4 * dims)
    model = transformers.TimesformerModel(cfg).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if 'time_embeddings' in name or 'layernorm' in name:
                p.add_(torch.randn_like(p) * 0.1)
    return model


def converted(hf, img, patch, frames, dims, depth, heads):
    enc = TimeSformerEncoder(img_size=img, patch_size=patch, num_frames=frames,
                             embed_dims=dims, depth=depth, num_heads=heads,
                             drop_path_rate=0.0).eval()
    conv = hf_timesformer_to_mcg(hf.state_dict())
    assert not conv.dropped and not conv.added
    assert conv.check_against(enc.state_dict()) == []
    enc.load_state_dict(conv.state_dict, strict=True)
    return enc


def max_diff(img, patch, frames, dims, depth, heads, batch=2):
    hf = random_hf(img, patch, frames, dims, depth, heads)
    enc = converted(hf, img, patch, frames, dims, depth, heads)
    video = torch.randn(batch, frames, 3, img, img)
    with torch.no_grad():
        ref = hf(pixel_values=video).last_hidden_state
        out = enc(video)
    assert out.shape == ref.shape
    return (hf_to_mcg_tokens(ref, frames) - out).abs().max().item()


def test_small_config_matches_hf():
    assert max_diff(img=32, patch=8, frames=4, dims=64, depth=2,
                    heads=4) <= 1e-4


def test_8_frames_at_224_matches_hf():
    # Full token count (1 + 8 * 196), narrow and shallow to stay fast.
    assert max_diff(img=224, patch=16, frames=8, dims=96, depth=2, heads=2,
                    batch=1) <= 1e-4


@pytest.mark.slow
def test_vit_b_8_frames_at_224_matches_hf():
    assert max_diff(img=224, patch=16, frames=8, dims=768, depth=12,
                    heads=12, batch=1) <= 1e-4


def test_token_order_round_trip_and_layout():
    b, t, n, d = 2, 3, 4, 5
    mcg = torch.randn(b, 1 + t * n, d)
    hf = mcg_to_hf_tokens(mcg, t)
    assert torch.equal(hf_to_mcg_tokens(hf, t), mcg)
    # HF puts patch n of frame t at 1 + n*T + t; mcg at 1 + t*N + n.
    assert torch.equal(hf[:, 1 + 2 * t + 1], mcg[:, 1 + 1 * n + 2])


def test_classifier_checkpoint_drops_head_and_keeps_prefix_free_keys():
    cfg = transformers.TimesformerConfig(
        image_size=32, patch_size=16, num_frames=2, hidden_size=32,
        num_hidden_layers=1, num_attention_heads=2, intermediate_size=128,
        num_labels=3)
    sd = transformers.TimesformerForVideoClassification(cfg).state_dict()
    conv = hf_timesformer_to_mcg(sd, num_patches=16, num_frames=4)
    assert set(conv.dropped) == {'classifier.weight', 'classifier.bias'}
    assert conv.state_dict['pos_embed'].shape == (1, 17, 32)
    assert conv.state_dict['time_embed'].shape == (1, 4, 32)
    enc = TimeSformerEncoder(img_size=64, patch_size=16, num_frames=4,
                             embed_dims=32, depth=1, num_heads=2)
    assert conv.check_against(enc.state_dict()) == []


def test_unknown_hf_key_is_an_error():
    hf = random_hf(32, 16, 2, 32, 1, 2)
    sd = dict(hf.state_dict())
    sd['encoder.layer.0.attention.attention.q_norm.weight'] = torch.ones(16)
    with pytest.raises(UnmappedKeysError, match='q_norm'):
        hf_timesformer_to_mcg(sd)
