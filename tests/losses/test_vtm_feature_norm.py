"""VTM's feature_norm='batch': matching learned from nearly equal [FUS] states."""
import pytest
import torch

from mcg.losses import VideoTextMatchingLoss
from mcg.losses.vtm import NormedLinear
from mcg.structures import Stages
from tests.losses.helpers import features

DIMS = 16


def _outputs(num=12, spread=0.01):
    """[FUS] of a pair = a large shared vector + a small matched/unmatched part."""
    g = torch.Generator().manual_seed(0)
    shared = 10 * torch.randn(DIMS, generator=g)
    match = torch.randn(DIMS, generator=g)

    def fus(text, text_mask, clips, clip_rows):
        # The toy text states are the rows' own numbers.
        same = (text[:, 0].long() == clip_rows).float()[:, None]
        noise = 0.2 * spread * torch.randn(len(text), DIMS, generator=g)
        states = shared + spread * (2 * same - 1) * match + noise
        return states[:, None], torch.ones(len(text), 1)

    index = torch.arange(num)
    text = index[:, None].float()
    clips = torch.zeros(num, 2, DIMS)
    return (features(fused=fus(text, None, clips, index)[0], text=text,
                     text_mask=torch.ones(num, 1), clip_index=index,
                     clips=clips), Stages(fus, None))


def _train(feature_norm, steps=60):
    torch.manual_seed(0)
    vtm = VideoTextMatchingLoss(in_dims=DIMS, sampling='uniform', feature_norm=feature_norm)
    opt = torch.optim.Adam(vtm.parameters(), lr=1e-2)
    for _ in range(steps):
        out = vtm(*_outputs())
        opt.zero_grad()
        out.loss.backward()
        opt.step()
    return out.loss.item(), out.diagnostics['acc_vtm'].item()


def test_batch_norm_head_learns_where_the_linear_head_sits_at_the_prior():
    plain_loss, plain_acc = _train(None)
    normed_loss, normed_acc = _train('batch')
    assert plain_acc == pytest.approx(2 / 3)         # always "not matched"
    assert plain_loss == pytest.approx(0.6365, abs=0.01)
    assert normed_acc > 0.95 and normed_loss < 0.2


def test_normed_head_behaves_like_a_linear_for_its_users():
    vtm = VideoTextMatchingLoss(in_dims=DIMS, feature_norm='batch')
    assert isinstance(vtm.head, NormedLinear)
    assert vtm.head.in_features == DIMS and vtm.head.weight.shape == (2, DIMS)
    vtm.train()
    assert vtm.head(torch.randn(1, DIMS)).shape == (1, 2)    # one row
    vtm.eval()
    x = torch.randn(5, DIMS)
    torch.testing.assert_close(vtm.head(x)[:2], vtm.head(x[:2]))
    assert 'head.weight' in VideoTextMatchingLoss(in_dims=DIMS).state_dict()
    with pytest.raises(ValueError, match='feature_norm'):
        VideoTextMatchingLoss(feature_norm='layer')
