"""ICL with negatives gathered over 2 CPU ranks (gloo) = one process."""
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mcg.losses import InstanceContrastiveLoss
from mcg.utils.dist import mean_count_per_rank

# Per rank: the local clip row of each text (equal, then unequal shards;
# some clips have several texts).
SCENARIOS = {
    'equal': [[0, 0, 1], [0, 1, 1]],
    'unequal': [[0, 1], [0, 1, 1, 2, 3]],
}


def global_batch(index, seed=0):
    """Features of all ranks' clips and texts, and the global clip index."""
    g = torch.Generator().manual_seed(seed)
    clips_per_rank = [max(i) + 1 for i in index]
    offsets = [sum(clips_per_rank[:r]) for r in range(len(index))]
    norm = torch.nn.functional.normalize
    clips = norm(torch.randn(sum(clips_per_rank), 8, generator=g), dim=-1)
    text = norm(torch.randn(sum(map(len, index)), 8, generator=g), dim=-1)
    global_index = torch.tensor([c + offsets[r] for r in range(len(index))
                                 for c in index[r]])
    return clips, text, global_index, clips_per_rank


def make_loss():
    return InstanceContrastiveLoss(embed_dims=8, video_dims=8, text_dims=8)


def _worker(rank, world, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=world)
    try:
        results = {}
        for name, index in SCENARIOS.items():
            clips, text, _, num_clips = global_batch(index)
            c0, t0 = sum(num_clips[:rank]), sum(map(len, index[:rank]))
            v = clips[c0:c0 + num_clips[rank]].clone().requires_grad_(True)
            t = text[t0:t0 + len(index[rank])].clone().requires_grad_(True)
            loss_fn = make_loss()
            loss, _ = loss_fn.contrast(v, t, torch.tensor(index[rank]))
            loss.backward()
            results[name] = dict(loss=loss.detach(), v_grad=v.grad,
                                 t_grad=t.grad,
                                 tau_grad=loss_fn.temperature.value.grad)
        results['mean_count'] = mean_count_per_rank(2 + 4 * rank,
                                                    torch.device('cpu'))
        torch.save(results, os.path.join(out_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope='module')
def rank_results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('gloo')
    mp.spawn(_worker, args=(2, str(tmp / 'init'), str(tmp)), nprocs=2,
             join=True)
    return [torch.load(tmp / f'rank{r}.pt') for r in range(2)]


@pytest.mark.parametrize('name', list(SCENARIOS))
def test_gathered_loss_equals_single_process(rank_results, name):
    clips, text, global_index, _ = global_batch(SCENARIOS[name])
    video = clips.requires_grad_(True)
    text.requires_grad_(True)
    loss_fn = make_loss()
    loss, _ = loss_fn.contrast(video, text, global_index)
    loss.backward()
    ranks = [res[name] for res in rank_results]
    # What DDP computes: the mean of the rank losses and of their gradients.
    mean = sum(r['loss'] for r in ranks) / 2
    assert mean.item() == pytest.approx(loss.item(), rel=1e-5)
    assert torch.allclose(torch.cat([r['v_grad'] for r in ranks]) / 2,
                          video.grad, atol=1e-6)
    assert torch.allclose(torch.cat([r['t_grad'] for r in ranks]) / 2,
                          text.grad, atol=1e-6)
    tau_grad = sum(r['tau_grad'] for r in ranks) / 2
    assert tau_grad.item() == pytest.approx(
        loss_fn.temperature.value.grad.item(), rel=1e-4)


def test_mean_count_per_rank_averages_over_ranks(rank_results):
    """TCL/VTM divide their sums by it: (2 + 6) / 2 on both ranks."""
    assert [r['mean_count'] for r in rank_results] == [4.0, 4.0]
    assert mean_count_per_rank(5, torch.device('cpu')) == 5.0
