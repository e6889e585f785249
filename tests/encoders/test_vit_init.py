"""Initialising the TimeSformer from a timm ViT: per-frame equality, resizing.

At initialisation ``temporal_fc`` and ``time_embed`` are zero, so each frame
goes through the ViT. Frames still meet in one place: the spatial step
averages the per-frame CLS outputs into one CLS token, which the next block's
patches attend to. The encoder is therefore exactly a per-frame ViT for a
single frame, for identical frames, and (patch tokens) in a one-block model;
the tests check exactly those cases.
"""
import pytest
import torch
from timm.layers import resample_abs_pos_embed
from timm.models.vision_transformer import VisionTransformer

from mcg.encoders import TimeSformerEncoder
from mcg.utils.pretrained import MissingPretrainedError
from mcg.weights import (UnmappedKeysError, load_timm_vit, resize_pos_embed_2d,
                         timm_vit_to_mcg)

SMALL = dict(img_size=32, patch_size=8, embed_dim=64, depth=2, num_heads=4)


def small_vit(seed=0, **kw):
    torch.manual_seed(seed)
    vit = VisionTransformer(**dict(SMALL, **kw), num_classes=5).eval()
    with torch.no_grad():  # non-trivial LayerNorms and position embedding
        for name, p in vit.named_parameters():
            if 'norm' in name or 'pos_embed' in name:
                p.add_(torch.randn_like(p) * 0.1)
    return vit


def encoder_from(vit, frames, depth=SMALL['depth'], img=SMALL['img_size']):
    enc = TimeSformerEncoder(img_size=img, patch_size=SMALL['patch_size'],
                             num_frames=frames, embed_dims=SMALL['embed_dim'],
                             depth=depth, num_heads=SMALL['num_heads'],
                             drop_path_rate=0.0).eval()
    conv = timm_vit_to_mcg(vit.state_dict(), enc.patch_embed.num_patches,
                           frames)
    assert conv.check_against(enc.state_dict()) == []
    enc.load_state_dict(conv.state_dict, strict=True)
    return enc


def per_frame_vit(vit, video):
    b, t = video.shape[:2]
    with torch.no_grad():
        out = vit.forward_features(video.flatten(0, 1))
    return out.view(b, t, *out.shape[1:])


def test_single_frame_equals_vit():
    vit = small_vit()
    enc = encoder_from(vit, frames=1)
    video = torch.randn(3, 1, 3, 32, 32)
    with torch.no_grad():
        out = enc(video)
    assert torch.allclose(out, per_frame_vit(vit, video)[:, 0], atol=1e-5)


def test_identical_frames_each_equal_vit():
    vit = small_vit()
    enc = encoder_from(vit, frames=4)
    frame = torch.randn(2, 1, 3, 32, 32)
    video = frame.expand(-1, 4, -1, -1, -1)
    with torch.no_grad():
        out = enc(video)
    ref = per_frame_vit(vit, frame)[:, 0]                  # (B, 1+N, D)
    n = ref.shape[1] - 1
    assert torch.allclose(out[:, 0], ref[:, 0], atol=1e-5)
    for t in range(4):
        assert torch.allclose(out[:, 1 + t * n:1 + (t + 1) * n], ref[:, 1:],
                              atol=1e-5)


def test_distinct_frames_patch_tokens_equal_vit_in_one_block():
    vit = small_vit(depth=1)
    enc = encoder_from(vit, frames=3, depth=1)
    video = torch.randn(2, 3, 3, 32, 32)
    with torch.no_grad():
        out = enc(video)
    ref = per_frame_vit(vit, video)                        # (B, T, 1+N, D)
    n = ref.shape[2] - 1
    patches = out[:, 1:].view(2, 3, n, -1)
    assert torch.allclose(patches, ref[:, :, 1:], atol=1e-5)


@pytest.mark.slow
def test_vit_b16_single_and_identical_frames_equal_vit():
    import timm
    torch.manual_seed(0)
    vit = timm.create_model('vit_base_patch16_224', pretrained=False,
                            num_classes=0).eval()
    enc = TimeSformerEncoder(num_frames=2, drop_path_rate=0.0).eval()
    conv = timm_vit_to_mcg(vit.state_dict(), 196, 2)
    enc.load_state_dict(conv.state_dict, strict=True)
    frame = torch.randn(1, 1, 3, 224, 224)
    with torch.no_grad():
        ref = vit.forward_features(frame[:, 0])
        out = enc(frame.expand(-1, 2, -1, -1, -1))
    assert (out[:, :197] - ref).abs().max() <= 1e-4
    assert (out[:, 197:] - ref[:, 1:]).abs().max() <= 1e-4


def test_pos_embed_resize_is_2d():
    # Channel 0 encodes the row, channel 1 the column of each patch.
    side = 4
    rows = torch.arange(side).repeat_interleave(side).float()
    cols = torch.arange(side).repeat(side).float()
    pos = torch.cat([torch.zeros(1, 2), torch.stack([rows, cols], 1)])[None]
    out = resize_pos_embed_2d(pos, 36)[0, 1:].view(6, 6, 2)
    # Rows stay rows: the row channel is constant along each row of the new
    # grid, the column channel along each column (a 1-D resize of the
    # flattened sequence breaks both).
    assert torch.allclose(out[..., 0], out[:, :1, 0].expand(6, 6), atol=1e-5)
    assert torch.allclose(out[..., 1], out[:1, :, 1].expand(6, 6), atol=1e-5)
    assert torch.equal(resize_pos_embed_2d(pos, 16), pos)


def test_pos_embed_resize_matches_timm_when_upsampling():
    pos = torch.randn(1, 1 + 196, 8)
    ours = resize_pos_embed_2d(pos, 576)
    ref = resample_abs_pos_embed(pos, new_size=(24, 24), num_prefix_tokens=1)
    assert torch.allclose(ours, ref, atol=1e-5)


def test_runtime_resolution_change_uses_resized_pos_embed():
    torch.manual_seed(0)
    big = TimeSformerEncoder(img_size=64, patch_size=16, num_frames=2,
                             embed_dims=32, depth=1, num_heads=2).eval()
    small = TimeSformerEncoder(img_size=32, patch_size=16, num_frames=2,
                               embed_dims=32, depth=1, num_heads=2).eval()
    sd = dict(big.state_dict())
    sd['pos_embed'] = resize_pos_embed_2d(sd['pos_embed'], 4)
    small.load_state_dict(sd)
    video = torch.randn(1, 2, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(big(video), small(video), atol=1e-6)


def test_layerscale_vit_is_rejected_not_half_loaded():
    vit = small_vit(init_values=1e-5)      # LayerScale: blocks.*.ls1.gamma
    with pytest.raises(UnmappedKeysError, match='ls1.gamma'):
        timm_vit_to_mcg(vit.state_dict(), 16, 2)


def test_load_timm_vit_from_local_file(tmp_path):
    vit = small_vit()
    path = tmp_path / 'vit.pth'
    torch.save({'model': vit.state_dict()}, path)
    enc = TimeSformerEncoder(img_size=48, patch_size=8, num_frames=2,
                             embed_dims=64, depth=2, num_heads=4,
                             pretrained=str(path))
    enc.init_weights()
    # 4x4 grid resized to 6x6 on load; blocks copied, temporal copies made.
    assert enc.pos_embed.shape == (1, 37, 64)
    assert torch.equal(enc.blocks[1].attn.qkv.weight,
                       vit.blocks[1].attn.qkv.weight)
    assert torch.equal(enc.blocks[1].temporal_attn.qkv.weight,
                       vit.blocks[1].attn.qkv.weight)
    assert not enc.blocks[0].temporal_fc.weight.any()


def test_missing_local_vit_names_asset_place_and_override(tmp_path):
    path = str(tmp_path / 'nope.pth')
    enc = TimeSformerEncoder(img_size=32, patch_size=16, embed_dims=32,
                             depth=1, num_heads=2, pretrained=path)
    with pytest.raises(MissingPretrainedError) as err:
        enc.init_weights()
    msg = str(err.value)
    assert 'video encoder weights' in msg and path in msg
    assert 'model.video_encoder.pretrained=None' in msg


def test_unreachable_hub_vit_names_asset_place_and_override(monkeypatch):
    import huggingface_hub.constants as hub
    monkeypatch.setattr(hub, 'HF_HUB_OFFLINE', True)
    enc = TimeSformerEncoder(img_size=32, patch_size=16, embed_dims=32,
                             depth=1, num_heads=2,
                             pretrained='vit_base_patch16_224.no_such_tag')
    with pytest.raises(MissingPretrainedError) as err:
        enc.init_weights()
    msg = str(err.value)
    assert 'vit_base_patch16_224.no_such_tag' in msg
    assert 'hub' in msg and 'model.video_encoder.pretrained=' in msg
