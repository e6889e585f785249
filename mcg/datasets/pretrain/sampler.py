"""Weighted sampling over the sources of a multi-source dataset."""
from __future__ import annotations

import math
from typing import Iterator, List, Optional, Sequence

import torch
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mcg.registry import DATA_SAMPLERS


def source_sizes(dataset) -> List[int]:
    """Sizes of the sources of ``dataset`` (one source if not multi-source)."""
    if hasattr(dataset, 'source_sizes'):
        return list(dataset.source_sizes)
    if hasattr(dataset, 'cumulative_sizes'):
        cum = list(dataset.cumulative_sizes)
        return [b - a for a, b in zip([0] + cum[:-1], cum)]
    return [len(dataset)]


@DATA_SAMPLERS.register_module()
class WeightedMultiDatasetSampler(Sampler):
    """Draw each sample's source by weight, then an item of that source.

    Every epoch draws ``num_samples`` sources from the normalised weights;
    within a source, items come from successive random permutations, so a
    source is seen without repeats before it is recycled. The epoch's list
    is split across ranks like ``DefaultSampler`` (rank ``r`` takes items
    ``r, r + world, ...``), and ``set_epoch`` reseeds it.

    Args:
        dataset: A :class:`MultiSourceDataset` (or any ``ConcatDataset``).
        weights: Relative weight of each source; None weighs sources by their
            size (plain uniform sampling over all items, as in ALPRO).
        num_samples: Items per epoch over all ranks; None = dataset length.
        seed: Shared random seed; None draws one and syncs it across ranks.
        round_up: Pad the epoch to a multiple of the world size so every
            rank gets the same count.
    """

    def __init__(self, dataset, weights: Optional[Sequence[float]] = None,
                 num_samples: Optional[int] = None,
                 seed: Optional[int] = None, round_up: bool = True) -> None:
        self.rank, self.world_size = get_dist_info()
        self.sizes = source_sizes(dataset)
        if weights is None:
            weights = [float(s) for s in self.sizes]
        if len(weights) != len(self.sizes):
            raise ValueError(f'{len(weights)} weights for '
                             f'{len(self.sizes)} sources')
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError(f'weights must be >= 0 with a positive sum, '
                             f'got {list(weights)}')
        empty = [i for i, (w, s) in enumerate(zip(weights, self.sizes))
                 if w > 0 and s == 0]
        if empty:
            raise ValueError(f'sources {empty} are empty but have weight')
        self.weights = torch.tensor([float(w) for w in weights])
        self.weights /= self.weights.sum()
        self.num_samples = int(num_samples or sum(self.sizes))
        self.seed = sync_random_seed() if seed is None else seed
        self.round_up = round_up
        if round_up:
            self.total_size = math.ceil(
                self.num_samples / self.world_size) * self.world_size
        else:
            self.total_size = self.num_samples
        self.epoch = 0

    def epoch_indices(self) -> torch.Tensor:
        """All ranks' indices of the current epoch (dataset-global)."""
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        source = torch.multinomial(self.weights, self.total_size,
                                   replacement=True, generator=g)
        out = torch.empty(self.total_size, dtype=torch.long)
        start = 0
        for i, size in enumerate(self.sizes):
            rows = torch.nonzero(source == i).squeeze(-1)
            if len(rows):
                rounds = math.ceil(len(rows) / size)
                items = torch.cat([torch.randperm(size, generator=g)
                                   for _ in range(rounds)])[:len(rows)]
                out[rows] = items + start
            start += size
        return out

    def __iter__(self) -> Iterator[int]:
        indices = self.epoch_indices()
        return iter(indices[self.rank:self.total_size:self.world_size]
                    .tolist())

    def __len__(self) -> int:
        if self.round_up:
            return self.total_size // self.world_size
        return len(range(self.rank, self.total_size, self.world_size))

    def set_epoch(self, epoch: int) -> None:
        """Reseed for ``epoch`` (called by ``DistSamplerSeedHook``)."""
        self.epoch = epoch
