"""ICL's feature_norm='batch': contrast of nearly collapsed summaries."""
import pytest
import torch

from mcg.losses import InstanceContrastiveLoss
from tests.losses.helpers import features


def _collapsed(n=16, dims=32, spread=0.02, seed=0):
    """Summaries as a fresh tiny encoder gives them: one shared vector plus
    small per-clip differences; the text of pair i carries clip i's."""
    g = torch.Generator().manual_seed(seed)
    shared = 10 * torch.randn(dims, generator=g)
    own = torch.randn(n, dims, generator=g)
    video = shared + spread * own
    text = -3 * shared + spread * own
    return video[:, None], text[:, None], torch.arange(n)


def _loss(feature_norm, video, text, index):
    torch.manual_seed(0)
    icl = InstanceContrastiveLoss(embed_dims=32, video_dims=32, text_dims=32,
                                  feature_norm=feature_norm)
    with torch.no_grad():  # identity projections: the loss sees x_cls itself
        for proj in (icl.video_proj, icl.text_proj):
            proj.weight.copy_(torch.eye(32))
            proj.bias.zero_()
    out = icl(features(clips=video, text=text, clip_index=index))
    return out.loss.item(), out.diagnostics['acc_icl'].item(), icl


def test_batch_norm_recovers_pairs_hidden_under_a_shared_component():
    video, text, index = _collapsed()
    plain, _, _ = _loss(None, video, text, index)
    normed, normed_acc, _ = _loss('batch', video, text, index)
    chance = torch.log(torch.tensor(16.0)).item()
    # Without it every similarity is ~equal (cosine ~1 or ~-1): chance.
    assert abs(plain - chance) < 0.01
    assert normed < 0.5 * chance and normed_acc == 1.0


def test_evaluation_uses_running_statistics_and_one_row_works():
    video, text, index = _collapsed()
    _, _, icl = _loss('batch', video, text, index)
    icl.eval()
    full = icl.clip_features(video)
    one = icl.clip_features(video[:1])
    torch.testing.assert_close(one, full[:1])
    icl.train()
    assert icl.clip_features(video[:1]).shape == (1, 32)


def test_default_keeps_the_paper_layout():
    icl = InstanceContrastiveLoss(video_dims=8, text_dims=8)
    assert not any('norm' in k for k in icl.state_dict())
    with pytest.raises(ValueError, match='feature_norm'):
        InstanceContrastiveLoss(feature_norm='layer')
