"""TimeSformerEncoder options: checkpointing, output modes, frame counts."""
import pytest
import torch

from mcg.encoders import TimeSformerEncoder
from mcg.weights.video_encoder import resize_time_embed


def encoder(**kw):
    torch.manual_seed(0)
    args = dict(img_size=32, patch_size=16, num_frames=4, embed_dims=32,
                depth=2, num_heads=2, drop_path_rate=0.0)
    args.update(kw)
    enc = TimeSformerEncoder(**args)
    with torch.no_grad():       # make the temporal branch matter
        for block in enc.blocks:
            block.temporal_fc.weight.normal_(std=0.1)
        enc.time_embed.normal_(std=0.1)
    return enc


def test_gradient_checkpointing_gives_the_same_outputs_and_gradients():
    plain, ckpt = encoder(), encoder(gradient_checkpointing=True)
    video = torch.randn(2, 4, 3, 32, 32)
    outs = []
    for enc in (plain, ckpt):
        enc.train()
        out = enc(video)
        out.square().mean().backward()
        outs.append(out)
    assert torch.allclose(outs[0], outs[1], atol=1e-6)
    for p, q in zip(plain.parameters(), ckpt.parameters()):
        assert torch.allclose(p.grad, q.grad, atol=1e-6)


def test_mean_output_is_cls_and_time_averaged_patches():
    full, mean = encoder().eval(), encoder(output='mean').eval()
    video = torch.randn(2, 4, 3, 32, 32)
    with torch.no_grad():
        a, b = full(video), mean(video)
    assert b.shape == (2, 1 + 4, 32)
    assert torch.allclose(b[:, 0], a[:, 0])
    assert torch.allclose(b[:, 1:], a[:, 1:].view(2, 4, 4, 32).mean(1),
                          atol=1e-6)
    with pytest.raises(ValueError, match='output'):
        TimeSformerEncoder(output='max')


def test_other_frame_counts_use_nearest_time_embedding():
    enc = encoder().eval()
    twin = encoder(num_frames=8).eval()
    twin.load_state_dict(dict(enc.state_dict(), time_embed=resize_time_embed(
        enc.time_embed, 8)))
    video = torch.randn(1, 8, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(enc(video), twin(video), atol=1e-6)
    assert torch.equal(resize_time_embed(enc.time_embed, 8)[:, ::2],
                       enc.time_embed)


def test_stochastic_depth_only_acts_in_training():
    enc = encoder(drop_path_rate=0.5)
    video = torch.randn(2, 4, 3, 32, 32)
    enc.eval()
    with torch.no_grad():
        assert torch.equal(enc(video), enc(video))
    enc.train()
    with torch.no_grad():
        assert not torch.equal(enc(video), enc(video))


def test_time_embedding_init_zero_by_default_random_when_asked():
    def make(**kw):
        return TimeSformerEncoder(img_size=32, patch_size=16, num_frames=4,
                                  embed_dims=32, depth=1, num_heads=2, **kw)
    assert make().time_embed.abs().sum() == 0
    te = make(time_embed_std=1.0).time_embed
    assert 0.6 < te.std().item() < 1.4
    pos = make(pos_embed_std=1.0).pos_embed
    assert pos.std().item() > 0.6 > make().pos_embed.std().item()
    # Frames are told apart: swapping two frames changes the CLS output
    # only once the time embedding is non-zero (zero temporal_fc aside).
    video = torch.randn(1, 4, 3, 32, 32)
    swapped = video[:, [1, 0, 2, 3]]
    for std, differs in ((0.0, False), (1.0, True)):
        torch.manual_seed(0)
        enc = make(time_embed_std=std, zero_init_temporal_fc=False).eval()
        a, b = enc(video)[:, 0], enc(swapped)[:, 0]
        assert (not torch.allclose(a, b, atol=1e-5)) == differs
