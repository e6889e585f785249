"""VTM (Eq. 9) with hard negatives from the ICL similarity."""
import math

import pytest
import torch
import torch.nn.functional as F

from dataclasses import replace

from mcg.losses import VideoTextMatchingLoss
from mcg.structures import Stages
from tests.losses.helpers import features

DIMS = 8


def make_outputs(index=(0, 0, 1, 2, 3), seed=0, text=None, clips=None):
    """A toy fusor: [FUS] = text feature * clip feature (elementwise)."""
    g = torch.Generator().manual_seed(seed)
    index = torch.tensor(index)
    num_clips = int(index.max()) + 1
    clips = clips if clips is not None else F.normalize(
        torch.randn(num_clips, DIMS, generator=g), dim=-1)
    text = text if text is not None else F.normalize(
        torch.randn(len(index), DIMS, generator=g), dim=-1)

    def fuse(text_rows, text_mask, clip_states, clip_rows):
        fused = (text_rows * clip_states[clip_rows])[:, None]
        return fused, torch.ones(fused.shape[:2])

    def similarity(features):
        return features.text @ features.clips.t(), torch.tensor(0.07)

    outputs = features(clip_index=index, clips=clips, text=text,
                       text_mask=torch.ones(len(index), 1),
                       fused=fuse(text, None, clips, index)[0])
    return outputs, Stages(fuse, None, similarity), text, clips


def make_loss(sampling='hardest'):
    torch.manual_seed(0)
    return VideoTextMatchingLoss(in_dims=DIMS, sampling=sampling)


@torch.no_grad()
def reference_vtm(loss, outputs, text, clips):
    """Eq. 9 with the hardest allowed negative video and text per pair."""
    index = outputs.clip_index.tolist()
    sim = text @ clips.t()
    terms = []

    def bce(t, c, label):
        p = torch.softmax(loss.head(text[t] * clips[c]), 0)
        return -math.log(float(p[label]))

    for i, c in enumerate(index):
        terms.append(bce(i, c, 1))
    for i, c in enumerate(index):
        neg_c = max((k for k in range(len(clips)) if k != c),
                    key=lambda k: float(sim[i, k]))
        terms.append(bce(i, neg_c, 0))
    for i, c in enumerate(index):
        neg_t = max((j for j in range(len(index)) if index[j] != c),
                    key=lambda j: float(sim[j, c]))
        terms.append(bce(neg_t, c, 0))
    return sum(terms) / len(terms)


def test_matches_loop_reference_with_hardest_negatives():
    outputs, stages, text, clips = make_outputs()
    loss = make_loss('hardest')
    expected = reference_vtm(loss, outputs, text, clips)
    assert loss(outputs, stages).loss.item() == pytest.approx(expected,
                                                       rel=1e-5)


def test_sampled_negatives_never_share_the_positive_clip():
    outputs, stages, _, _ = make_outputs(index=(0, 0, 0, 1, 2, 2))
    loss = make_loss('multinomial')
    index = outputs.clip_index
    for seed in range(20):
        torch.manual_seed(seed)
        t_rows, neg_clips, neg_texts, c_rows = loss.pick_negatives(outputs, stages.similarity)
        assert len(t_rows) == len(c_rows) == 6
        assert (neg_clips != index[t_rows]).all()
        assert (index[neg_texts] != c_rows).all()


def test_multinomial_prefers_similar_negatives():
    outputs, stages, text, clips = make_outputs(index=(0, 1, 2, 3, 4, 5, 6, 7))
    loss = make_loss('multinomial')
    scores = text @ clips.t()
    hits = 0
    torch.manual_seed(0)
    for _ in range(50):
        t_rows, neg_clips, _, _ = loss.pick_negatives(outputs, stages.similarity)
        hardest = scores.masked_fill(torch.eye(8, dtype=torch.bool),
                                     -2).argmax(-1)
        hits += int((neg_clips == hardest[t_rows]).sum())
    # tau = 0.07 makes the most similar clip by far the likeliest.
    assert hits / (50 * 8) > 1 / 7 + 0.15


def test_single_clip_batch_has_no_negatives():
    outputs, stages, _, _ = make_outputs(index=(0, 0, 0))
    loss = make_loss('multinomial')
    value = loss(outputs, stages).loss
    assert torch.isfinite(value)
    assert len(loss.pick_negatives(outputs, stages.similarity)[0]) == 0


def test_invariant_to_permuting_the_batch():
    outputs, stages, text, clips = make_outputs()
    base = make_loss('hardest')(outputs, stages).loss
    perm = torch.tensor([3, 1, 4, 0, 2])
    p_out, p_stages, _, _ = make_outputs(
        index=outputs.clip_index[perm].tolist(), text=text[perm],
        clips=clips)
    assert torch.allclose(make_loss('hardest')(p_out, p_stages).loss, base,
                          atol=1e-6)


def test_aligned_pairs_score_lower_than_shuffled():
    """With a head scoring text.video, true pairs are easier to match."""
    g = torch.Generator().manual_seed(0)
    clips = F.normalize(torch.randn(6, DIMS, generator=g), dim=-1)
    losses = {}
    for name, index in (('aligned', [0, 1, 2, 3, 4, 5]),
                        ('shuffled', [1, 2, 3, 4, 5, 0])):
        outputs, stages, _, _ = make_outputs(index=index, clips=clips,
                                          text=clips.clone())
        loss = make_loss('hardest')
        with torch.no_grad():
            loss.head.weight.copy_(torch.stack(
                [-4 * torch.ones(DIMS), 4 * torch.ones(DIMS)]))
            loss.head.bias.zero_()
        losses[name] = loss(outputs, stages).loss.item()
    assert losses['aligned'] < losses['shuffled'] - 0.5


def test_gradients_reach_head_and_fused_inputs():
    outputs, stages, text, clips = make_outputs()
    text.requires_grad_(True)
    clips.requires_grad_(True)
    outputs = replace(outputs, text=text, clips=clips, fused=stages.fuse(
        text, None, clips, outputs.clip_index)[0])
    loss = make_loss('multinomial')
    out = loss(outputs, stages)
    out.loss.backward()
    assert loss.head.weight.grad.abs().sum() > 0
    assert text.grad.abs().sum() > 0 and clips.grad.abs().sum() > 0
    assert 0 <= out.diagnostics['acc_vtm'].item() <= 1


def test_uniform_sampling_without_icl():
    outputs, stages, _, _ = make_outputs()
    loss = make_loss('multinomial')
    assert torch.isfinite(loss(outputs, replace(stages,
                                                similarity=None)).loss)
    with pytest.raises(ValueError, match='sampling'):
        VideoTextMatchingLoss(in_dims=4, sampling='best')
