"""Epoch-based training that resumes at the exact iteration.

MMEngine's ``EpochBasedTrainLoop`` restarts a resumed epoch from its first
batch, so a checkpoint written mid-epoch replays (and double-trains) the
batches before it. :class:`ResumableEpochBasedTrainLoop` skips them at the
index level, without decoding their videos, and restores the RNG states saved
with the checkpoint right before the next batch is read. The data order of an
epoch depends only on ``(seed, epoch)`` (MMEngine's ``DefaultSampler``), and
the loop reseeds the global RNGs from ``(seed, epoch, rank)`` at every epoch
start, so a run resumed at an epoch boundary replays exactly too.
"""
from __future__ import annotations

import itertools
import random
from typing import Dict, Iterator, List, Optional

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import BatchSampler, Sampler

from mcg.registry import LOOPS
from .resume_state import restore_rng_state


class SkippableBatchSampler:
    """``torch.utils.data.BatchSampler`` that can skip the next epoch's head.

    Args:
        sampler: Index sampler (e.g. MMEngine's ``DefaultSampler``); kept as
            ``.sampler`` so ``DistSamplerSeedHook`` still sets its epoch.
        batch_size: Items per batch.
        drop_last: Drop the last incomplete batch.
    """

    def __init__(self, sampler: Sampler, batch_size: int,
                 drop_last: bool = False) -> None:
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last
        self._batches = BatchSampler(sampler, batch_size, drop_last)
        self._skip = 0

    def skip_next(self, num_batches: int) -> None:
        """Make the next iteration start after ``num_batches`` batches."""
        self._skip = int(num_batches)

    def __iter__(self) -> Iterator[List[int]]:
        skip, self._skip = self._skip, 0
        return itertools.islice(iter(self._batches), skip, None)

    def __len__(self) -> int:
        return len(self._batches)


#: Seeds of different ranks are this far apart (epochs never reach it).
RANK_SEED_STRIDE = 1 << 20


def reseed(seed: int) -> None:
    """Seed Python's, numpy's and torch's global generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def epoch_seed(seed: int, epoch: int, rank: int) -> int:
    """The global seed of one rank for one epoch.

    Ranks get different streams (dropout, drop-path, VTM negatives draw
    differently on each rank's part of the batch); rank 0's is
    ``seed + epoch``. The data order does not depend on it (the sampler has
    its own seed, shared by all ranks).
    """
    return seed + epoch + RANK_SEED_STRIDE * rank


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """``EpochBasedTrainLoop`` with iteration-exact resume.

    Args:
        runner: The runner.
        dataloader: Dataloader or its config. A config without a
            ``batch_sampler`` gets a :class:`SkippableBatchSampler`; with a
            custom batch sampler, resuming mid-epoch reads (and discards) the
            skipped batches instead.
        max_epochs: Total epochs.
        val_begin: First epoch that validates.
        val_interval: Validation interval in epochs.
        dynamic_intervals: As in MMEngine.
        reseed_every_epoch: Reseed the global RNGs at each epoch start from
            ``(seed, epoch, rank)`` (:func:`epoch_seed`; needed for exact
            epoch-boundary resumes, and different on each rank).
    """

    def __init__(self, runner, dataloader, max_epochs: int,
                 val_begin: int = 1, val_interval: int = 1,
                 dynamic_intervals: Optional[list] = None,
                 reseed_every_epoch: bool = True) -> None:
        if isinstance(dataloader, dict) and not dataloader.get(
                'batch_sampler'):
            dataloader = dict(dataloader)
            dataloader['batch_sampler'] = dict(
                type=SkippableBatchSampler,
                drop_last=dataloader.pop('drop_last', False))
        super().__init__(runner, dataloader, max_epochs, val_begin,
                         val_interval, dynamic_intervals)
        self.reseed_every_epoch = reseed_every_epoch
        self._resumed_rng: Optional[Dict] = None

    def set_resumed_rng_state(self, state: Dict) -> None:
        """RNG states to restore before the first batch after resuming."""
        self._resumed_rng = state

    def _start_epoch(self, skip: int):
        """An iterator over this epoch's batches, ``skip`` batches in."""
        batches = self.dataloader.batch_sampler
        if skip and hasattr(batches, 'skip_next'):
            batches.skip_next(skip)
            return iter(self.dataloader)
        iterator = iter(self.dataloader)
        if skip:
            print_log(f'reading {skip} batches to reach the resumed '
                      'position (the batch sampler cannot skip)',
                      logger='current')
            for _ in range(skip):
                next(iterator)
        return iterator

    def run_epoch(self) -> None:
        """Iterate one epoch, starting where a resumed checkpoint stopped."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        skip = max(0, self._iter - self._epoch * len(self.dataloader))
        if self.reseed_every_epoch and self.runner.seed is not None:
            reseed(epoch_seed(int(self.runner.seed), self._epoch, get_rank()))
        iterator = self._start_epoch(skip)
        if skip:
            print_log(f'resuming epoch {self._epoch + 1} at batch {skip + 1}'
                      f'/{len(self.dataloader)}', logger='current')
            if self._resumed_rng is not None:
                restore_rng_state(self._resumed_rng)
        self._resumed_rng = None
        for idx, data_batch in enumerate(iterator, start=skip):
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
