"""ICL with negatives gathered over 2 CPU ranks (gloo) = one process."""
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mcg.losses import InstanceContrastiveLoss
from mcg.utils.dist import mean_count_per_rank

# Rows per rank (equal, then unequal) and per-rank clip ids of each row.
SCENARIOS = {
    'equal': ([3, 3], [[0, 0, 1], [0, 1, 1]]),
    'unequal': ([2, 5], [[0, 1], [0, 1, 1, 2, 3]]),
}


def global_batch(sizes, seed=0):
    g = torch.Generator().manual_seed(seed)
    n = sum(sizes)
    video = torch.nn.functional.normalize(torch.randn(n, 8, generator=g), -1)
    text = torch.nn.functional.normalize(torch.randn(n, 8, generator=g), -1)
    return video, text


def make_loss():
    return InstanceContrastiveLoss(embed_dims=8, video_dims=8, text_dims=8)


def _worker(rank, world, init_file, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=world)
    try:
        results = {}
        for name, (sizes, groups) in SCENARIOS.items():
            video, text = global_batch(sizes)
            start = sum(sizes[:rank])
            v = video[start:start + sizes[rank]].clone().requires_grad_(True)
            t = text[start:start + sizes[rank]].clone().requires_grad_(True)
            loss_fn = make_loss()
            loss, _ = loss_fn.contrast(v, t, torch.tensor(groups[rank]))
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
    sizes, groups = SCENARIOS[name]
    video, text = global_batch(sizes)
    video.requires_grad_(True)
    text.requires_grad_(True)
    # One process sees the global batch; clip ids stay distinct per rank.
    group = torch.tensor([g * 2 + r for r in range(2) for g in groups[r]])
    loss_fn = make_loss()
    loss, _ = loss_fn.contrast(video, text, group)
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
