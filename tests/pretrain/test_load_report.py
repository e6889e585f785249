"""Adapting a pre-training checkpoint to a fine-tuning model."""
import torch
from torch import nn

from mcg.engine.load_report import (adapt_state_dict, load_pretrained,
                                    resize_time_embed)


class Tiny(nn.Module):
    def __init__(self, frames, grid, positions, out=3):
        super().__init__()
        self.time_embed = nn.Parameter(torch.zeros(1, frames, 4))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + grid * grid, 4))
        self.position_embeddings = nn.Embedding(positions, 4)
        self.fc = nn.Linear(4, out)


def test_resizes_reports_and_drops():
    torch.manual_seed(0)
    src = Tiny(frames=4, grid=2, positions=8, out=3)
    dst = Tiny(frames=8, grid=4, positions=12, out=5)
    with torch.no_grad():
        src.time_embed.fill_(0.5)
        src.pos_embed[:, 0] = 7.0
    state = src.state_dict()
    state['losses.icl.video_proj.weight'] = torch.zeros(2, 2)
    del state['fc.bias']
    report = adapt_state_dict(state, dst.state_dict())
    assert set(report.resized) == {'time_embed', 'pos_embed',
                                   'position_embeddings.weight'}
    assert report.resized['time_embed'] == '(1, 4, 4) -> (1, 8, 4)'
    assert report.mismatched == {'fc.weight': '(3, 4) vs (5, 4)'}
    assert report.new == ['fc.bias']
    assert report.dropped == ['losses.icl.video_proj.weight']
    assert report.loaded == []
    # Resized values: a constant time embedding stays constant, the CLS
    # position is kept, the first position rows are copied.
    assert torch.allclose(state['time_embed'], torch.full((1, 8, 4), 0.5))
    assert torch.allclose(state['pos_embed'][:, 0], torch.full((1, 4), 7.0))
    assert torch.equal(state['position_embeddings.weight'][:8],
                       src.position_embeddings.weight)
    assert 'fc.weight' not in state       # the model keeps its init
    missing, unexpected = dst.load_state_dict(state, strict=False)
    assert missing == ['fc.weight', 'fc.bias']
    assert 'losses.icl' in report.summary()


def test_time_embedding_interpolates_linearly():
    embed = torch.tensor([0.0, 1.0]).view(1, 2, 1)
    out = resize_time_embed(embed, 4).flatten()
    assert out[0] == 0.0 and out[-1] == 1.0
    assert torch.all(out[1:] >= out[:-1])


def test_load_pretrained_from_a_runner_checkpoint(tmp_path):
    src = Tiny(frames=4, grid=2, positions=8)
    path = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': {f'module.{k}': v for k, v in
                               src.state_dict().items()},
                'meta': {}}, path)
    dst = Tiny(frames=4, grid=2, positions=8)
    report = load_pretrained(dst, str(path))
    assert len(report.loaded) == len(dst.state_dict())
    assert torch.equal(dst.fc.weight, src.fc.weight)


def test_old_0d_temperature_is_resized_not_mismatched():
    state = {'losses.icl.temperature.value': torch.tensor(0.2)}
    report = adapt_state_dict(
        state, {'losses.icl.temperature.value': torch.zeros(1)})
    assert report.mismatched == {}
    assert state['losses.icl.temperature.value'].shape == (1,)
