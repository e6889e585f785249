"""ICL (Eq. 1-3) against a loop over the paper's equations."""
import math

import pytest
import torch
import torch.nn.functional as F

from mcg.losses import InstanceContrastiveLoss
from tests.losses.helpers import features


def make_outputs(num_clips=4, per_clip=(1, 2, 1, 1), dims=16, tokens=5,
                 seed=0):
    g = torch.Generator().manual_seed(seed)
    index = torch.tensor([c for c, n in enumerate(per_clip) for _ in range(n)])
    return features(
        clips=torch.randn(num_clips, tokens, dims, generator=g),
        clip_index=index,
        text=torch.randn(len(index), 7, dims + 4, generator=g))


@torch.no_grad()
def reference_icl(loss, outputs, mask_shared=True):
    """Eq. 1-3 with explicit sums.

    With ``mask_shared``, a text's video candidates are the distinct clips
    and a video's text candidates skip the other texts of its clip;
    without, Eq. 2 runs literally over the pairs.
    """
    wx, bx = loss.video_proj.weight, loss.video_proj.bias
    wy, by = loss.text_proj.weight, loss.text_proj.bias
    tau = float(loss.temperature())
    index = outputs.clip_index.tolist()
    clips = [F.normalize(wx @ c[0] + bx, dim=0)
             for c in outputs.clips]
    txt = [F.normalize(wy @ t[0] + by, dim=0) for t in outputs.text]
    n = len(index)
    total = 0.0
    for i in range(n):
        vid = clips[index[i]]
        if mask_shared:
            v_cands = clips
            t_cands = [j for j in range(n) if j == i or index[j] != index[i]]
        else:
            v_cands = [clips[index[j]] for j in range(n)]
            t_cands = range(n)
        y2x = -math.log(math.exp(float(txt[i] @ vid) / tau) / sum(
            math.exp(float(txt[i] @ v) / tau) for v in v_cands))
        x2y = -math.log(math.exp(float(vid @ txt[i]) / tau) / sum(
            math.exp(float(vid @ txt[j]) / tau) for j in t_cands))
        total += x2y + y2x
    return total / (2 * n)


@pytest.fixture
def icl():
    torch.manual_seed(0)
    return InstanceContrastiveLoss(embed_dims=8, video_dims=16, text_dims=20)


def test_matches_loop_reference(icl):
    outputs = make_outputs()
    assert icl(outputs).loss.item() == pytest.approx(reference_icl(icl, outputs),
                                                rel=1e-5)


def test_literal_eq2_over_pairs_matches_loop_reference(icl):
    outputs = make_outputs()
    icl.mask_shared_video = False
    assert icl(outputs).loss.item() == pytest.approx(
        reference_icl(icl, outputs, mask_shared=False), rel=1e-5)


def test_one_text_per_clip_is_plain_eq2(icl):
    outputs = make_outputs(num_clips=3, per_clip=(1, 1, 1))
    icl.mask_shared_video = False
    unmasked = icl(outputs).loss.item()
    icl.mask_shared_video = True
    assert icl(outputs).loss.item() == pytest.approx(unmasked, rel=1e-6)
    assert unmasked == pytest.approx(reference_icl(icl, outputs), rel=1e-5)


def test_invariant_to_permuting_the_batch(icl):
    outputs = make_outputs()
    base = icl(outputs).loss
    clip_perm = torch.tensor([2, 0, 3, 1])
    row_perm = torch.randperm(len(outputs.clip_index),
                              generator=torch.Generator().manual_seed(1))
    inverse = torch.argsort(clip_perm)
    permuted = features(clips=outputs.clips[clip_perm],
                    clip_index=inverse[outputs.clip_index[row_perm]],
                    text=outputs.text[row_perm])
    assert torch.allclose(icl(permuted).loss, base, atol=1e-6)


def test_aligned_pairs_score_lower_than_shuffled():
    torch.manual_seed(0)
    icl = InstanceContrastiveLoss(embed_dims=16, video_dims=16, text_dims=16)
    with torch.no_grad():
        icl.text_proj.weight.copy_(icl.video_proj.weight)
        icl.text_proj.bias.copy_(icl.video_proj.bias)
    clips = torch.randn(6, 3, 16)
    text = clips[:, :1].repeat(1, 4, 1) + 0.1 * torch.randn(6, 4, 16)
    index = torch.arange(6)
    aligned = icl(features(clips=clips, clip_index=index, text=text)).loss
    shuffled = icl(features(clips=clips, clip_index=index,
                            text=text[torch.tensor([1, 2, 3, 4, 5, 0])])).loss
    assert aligned < shuffled - 1.0


def test_gradients_reach_both_inputs_and_temperature(icl):
    outputs = make_outputs()
    outputs.clips.requires_grad_(True)
    outputs.text.requires_grad_(True)
    icl(outputs).loss.backward()
    assert outputs.clips.grad[:, 0].abs().sum() > 0
    assert outputs.text.grad[:, 0].abs().sum() > 0
    assert icl.temperature.value.grad.abs() > 0
    assert icl.video_proj.weight.grad.abs().sum() > 0
    assert icl.text_proj.weight.grad.abs().sum() > 0


def test_temperature_is_clamped():
    icl = InstanceContrastiveLoss(video_dims=4, text_dims=4,
                                  temperature=0.07,
                                  temperature_range=(0.01, 0.5))
    with torch.no_grad():
        icl.temperature.value.fill_(1e-5)
    assert icl.temperature().item() == pytest.approx(0.01)
    with pytest.raises(ValueError, match='outside its range'):
        InstanceContrastiveLoss(video_dims=4, text_dims=4, temperature=0.9)


def test_reports_text_to_video_accuracy(icl):
    outputs = make_outputs()
    acc = icl(outputs).diagnostics['acc_icl']
    assert 0.0 <= acc.item() <= 1.0
