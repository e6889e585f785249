"""TCL (Eq. 4-7) against a loop over the paper's equations."""
import math

import pytest
import torch
import torch.nn.functional as F

from dataclasses import replace

from mcg.losses import TokenContrastiveLoss
from tests.losses.helpers import features


def make_outputs(lengths=(6, 4, 5), num_clips=2, patches=5, dims=12,
                 pad_to=None, seed=0):
    """Texts are [CLS] w1..wn [SEP] + padding; clip c = video_index."""
    g = torch.Generator().manual_seed(seed)
    width = pad_to or max(lengths)
    mask = torch.zeros(len(lengths), width)
    for i, n in enumerate(lengths):
        mask[i, :n] = 1
    return features(
        clips=torch.randn(num_clips, 1 + patches, dims, generator=g),
        clip_index=torch.tensor([i % num_clips for i in range(len(lengths))]),
        text=torch.randn(len(lengths), width, dims + 2, generator=g),
        text_mask=mask)


def cos(a, b):
    return float(F.cosine_similarity(a, b, dim=0))


def direction(anchors, memory, weights, tau):
    """1/K sum_k w_k (l_y2r + l_r2y) for one pair (Eq. 4-5)."""
    k_num = len(anchors)
    resp = []
    for k in range(k_num):
        scores = torch.stack([torch.tanh(m) @ torch.tanh(anchors[k])
                              for m in memory])
        att = torch.softmax(scores, 0)
        resp.append(sum(a * m for a, m in zip(att, memory)))
    total = 0.0
    for k in range(k_num):
        y2r = -math.log(math.exp(cos(anchors[k], resp[k]) / tau) / sum(
            math.exp(cos(anchors[k], resp[j]) / tau) for j in range(k_num)))
        r2y = -math.log(math.exp(cos(resp[k], anchors[k]) / tau) / sum(
            math.exp(cos(resp[k], anchors[j]) / tau) for j in range(k_num)))
        total += float(weights[k]) * (y2r + r2y)
    return total / k_num


def saliency(cls, tokens):
    scores = torch.stack([cls @ t for t in tokens]) / math.sqrt(len(cls))
    return torch.softmax(scores, 0) * len(tokens)


@torch.no_grad()
def reference_tcl(loss, outputs):
    tau = float(loss.temperature())
    l_tvc = l_tlc = 0.0
    n = len(outputs.clip_index)
    for i in range(n):
        clip = outputs.clips[outputs.clip_index[i]]
        length = int(outputs.text_mask[i].sum())
        words = outputs.text[i, 1:length - 1]       # no [CLS], no [SEP]
        u = [loss.text_proj(w) for w in words]
        mem = [loss.video_proj(p) for p in clip[1:]]
        alpha = saliency(outputs.text[i, 0], words)
        beta = saliency(clip[0], clip[1:])
        l_tvc += direction(u, mem, alpha, tau) / (2 * n)
        l_tlc += direction(mem, u, beta, tau) / (2 * n)
    return (l_tvc + l_tlc) / 2


@pytest.fixture
def tcl():
    torch.manual_seed(0)
    return TokenContrastiveLoss(memory_dims=8, video_dims=12, text_dims=14)


def test_matches_loop_reference(tcl):
    outputs = make_outputs()
    assert tcl(outputs).loss.item() == pytest.approx(reference_tcl(tcl, outputs),
                                                rel=1e-5)


def test_uniform_saliency_matches_reference_with_unit_weights(tcl):
    tcl.saliency = 'uniform'
    outputs = make_outputs(seed=3)
    with torch.no_grad():
        tau = float(tcl.temperature())
        expected = 0.0
        n = len(outputs.clip_index)
        for i in range(n):
            clip = outputs.clips[outputs.clip_index[i]]
            length = int(outputs.text_mask[i].sum())
            u = [tcl.text_proj(w) for w in outputs.text[i, 1:length - 1]]
            mem = [tcl.video_proj(p) for p in clip[1:]]
            expected += (direction(u, mem, [1] * len(u), tau)
                         + direction(mem, u, [1] * len(mem), tau)) / (4 * n)
    assert tcl(outputs).loss.item() == pytest.approx(expected, rel=1e-5)


def test_padding_changes_nothing(tcl):
    """Extra masked tokens, holding large random values, change nothing."""
    outputs = make_outputs()
    extra = 5
    text = torch.cat([outputs.text, torch.zeros(3, extra, 14)], dim=1)
    mask = torch.cat([outputs.text_mask, torch.zeros(3, extra)], dim=1)
    text[mask == 0] = 50 * torch.randn(int((mask == 0).sum()), 14)
    padded = replace(outputs, text=text, text_mask=mask)
    assert torch.allclose(tcl(padded).loss, tcl(outputs).loss, atol=1e-6)


def test_invariant_to_permuting_the_batch(tcl):
    """Saliency stays with its own sample (the official code misaligns it)."""
    outputs = make_outputs(lengths=(6, 4, 5, 3), num_clips=3)
    base = tcl(outputs).loss
    perm = torch.tensor([2, 3, 0, 1])
    clip_perm = torch.tensor([1, 2, 0])
    permuted = features(clips=outputs.clips[clip_perm],
                        clip_index=torch.argsort(clip_perm)[
                            outputs.clip_index[perm]],
                        text=outputs.text[perm],
                        text_mask=outputs.text_mask[perm])
    assert torch.allclose(tcl(permuted).loss, base, atol=1e-6)


def test_aligned_pairs_score_lower_than_shuffled():
    """Texts made of their own clip's patches contrast better."""
    torch.manual_seed(0)
    tcl = TokenContrastiveLoss(memory_dims=32, video_dims=32, text_dims=32,
                               saliency='uniform')
    with torch.no_grad():
        tcl.text_proj.weight.copy_(torch.eye(32))
        tcl.video_proj.weight.copy_(torch.eye(32))
        tcl.text_proj.bias.zero_()
        tcl.video_proj.bias.zero_()
    clips = 2 * torch.randn(4, 9, 32)
    text = torch.cat([torch.randn(4, 1, 32), clips[:, 1:],
                      torch.randn(4, 1, 32)], dim=1)
    text = text + 0.1 * torch.randn_like(text)
    mask = torch.ones(4, 10)
    aligned = tcl(features(clips=clips, clip_index=torch.arange(4),
                           text=text, text_mask=mask)).loss
    shuffled = tcl(features(clips=clips,
                            clip_index=torch.tensor([1, 2, 3, 0]),
                            text=text, text_mask=mask)).loss
    assert aligned < 0.5 * shuffled


def test_gradients_reach_both_inputs_and_temperature(tcl):
    outputs = make_outputs()
    outputs.clips.requires_grad_(True)
    outputs.text.requires_grad_(True)
    tcl(outputs).loss.backward()
    assert outputs.clips.grad[:, 1:].abs().sum() > 0
    assert outputs.text.grad[:, 1:].abs().sum() > 0
    assert tcl.temperature.value.grad.abs() > 0
    assert tcl.video_proj.weight.grad.abs().sum() > 0
    assert tcl.text_proj.weight.grad.abs().sum() > 0
    # Padding receives no gradient and nothing is NaN.
    assert torch.isfinite(outputs.text.grad).all()
    pad = outputs.text_mask == 0
    assert outputs.text.grad[pad].abs().sum() == 0


def test_single_token_text_is_finite(tcl):
    outputs = make_outputs(lengths=(3, 4))     # [CLS] w [SEP]: one token
    loss = tcl(outputs).loss
    assert torch.isfinite(loss)


def test_rejects_unknown_saliency():
    with pytest.raises(ValueError, match='saliency'):
        TokenContrastiveLoss(saliency='attention')
