"""Frame samplers draw per dataloader worker and per rank, reproducibly;
the training loop seeds each rank differently."""
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

import mcg.datasets.transforms.sampling as sampling
from mcg.datasets.transforms.sampling import (HeadTailFrameSampler,
                                              UniformFrameSampler)


class _Frames(Dataset):
    """Items are the frames a sampler picks from a 1000-frame video, and
    the id of the worker that picked them."""

    def __init__(self, sampler):
        self.sampler = sampler

    def __len__(self):
        return 8

    def __getitem__(self, index):
        info = torch.utils.data.get_worker_info()
        inds = self.sampler.transform(dict(total_frames=1000))['frame_inds']
        return (info.id if info else -1), tuple(inds.tolist())


def _draws(sampler, num_workers=2, torch_seed=0):
    loader = DataLoader(_Frames(sampler), batch_size=None,
                        num_workers=num_workers,
                        generator=torch.Generator().manual_seed(torch_seed),
                        multiprocessing_context='fork' if num_workers else
                        None)
    by_worker = {}
    for worker, inds in loader:
        by_worker.setdefault(int(worker), []).append(inds)
    return by_worker


@pytest.mark.parametrize('cls', [HeadTailFrameSampler, UniformFrameSampler])
@pytest.mark.parametrize('seed', [None, 3])
def test_workers_draw_different_frames_reproducibly(cls, seed):
    sampler = cls(num_frames=8, seed=seed)
    sampler.transform(dict(total_frames=1000))  # a draw before the fork
    first = _draws(sampler)
    assert sorted(first) == [0, 1]
    assert first[0] != first[1]                 # each worker its own stream
    assert _draws(sampler) == first             # fixed seeds: same frames


def test_without_a_seed_the_run_seed_decides():
    sampler = HeadTailFrameSampler(num_frames=8)
    assert _draws(sampler, torch_seed=1) != _draws(sampler, torch_seed=2)
    torch.manual_seed(5)
    a = _draws(HeadTailFrameSampler(num_frames=8), num_workers=0)
    torch.manual_seed(5)
    b = _draws(HeadTailFrameSampler(num_frames=8), num_workers=0)
    assert a == b


@pytest.mark.parametrize('seed', [None, 3])
def test_ranks_draw_different_frames(monkeypatch, seed):
    draws = []
    for rank in (0, 1):
        monkeypatch.setattr(sampling, 'get_rank', lambda r=rank: r)
        torch.manual_seed(0)
        sampler = UniformFrameSampler(num_frames=8, seed=seed)
        draws.append([sampler.sample(1000).tolist() for _ in range(3)])
    assert draws[0] != draws[1]


def test_the_loop_seeds_each_rank_differently():
    from mcg.engine.loops import epoch_seed
    assert epoch_seed(7, 2, 0) == 9                     # rank 0 as before
    seeds = {epoch_seed(7, e, r) for e in range(100) for r in range(64)}
    assert len(seeds) == 100 * 64
    streams = []
    for rank in (0, 1):
        torch.manual_seed(epoch_seed(7, 0, rank))
        streams.append(torch.nn.functional.dropout(torch.ones(64), 0.5))
    assert not torch.equal(*streams)
