"""Frame samplers: which frames of a video the model sees.

Samplers only choose indices (``results['frame_inds']``); decoding happens
afterwards, so only the chosen frames are ever decoded.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.dist import get_rank
from torch.utils.data import get_worker_info

from mcg.registry import TRANSFORMS
from mcg.registry.roles import declare_role
from .base import BaseTransform


def spread_indices(start: int, stop: int, num: int) -> np.ndarray:
    """Return ``num`` evenly spread frame indices in ``[start, stop)``.

    Each index is the centre of one of ``num`` equal segments, so the result
    is deterministic, sorted, and never collapses for short ranges (a range
    shorter than ``num`` repeats frames instead of returning zeros, unlike the
    official code's integer ``arange``).

    Args:
        start: First frame of the range.
        stop: One past the last frame; must be greater than ``start``.
        num: Number of indices.

    Returns:
        int64 array of length ``num``.
    """
    length = stop - start
    centres = (np.arange(num) + 0.5) * length / num
    return start + np.minimum(np.floor(centres).astype(np.int64), length - 1)


def random_indices(start: int, stop: int, num: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Return ``num`` sorted random frame indices in ``[start, stop)``.

    Indices are distinct when the range allows it; a range shorter than
    ``num`` uses every frame once and fills up with random repeats.
    """
    length = stop - start
    if length >= num:
        picked = rng.choice(length, size=num, replace=False)
    else:
        picked = np.concatenate(
            [np.arange(length), rng.integers(0, length, num - length)])
    return start + np.sort(picked).astype(np.int64)


@declare_role('frame sampler')
class BaseFrameSampler(BaseTransform):
    """Base class of frame samplers.

    The random generator (training mode) is created in the process that
    draws from it, at its first draw: every dataloader worker and every rank
    gets its own stream. A generator created before the loader forks its
    workers would hand all of them the same sequence of frames.

    Args:
        num_frames: Number of frames to pick.
        test_mode: Deterministic sampling when True, random when False.
        seed: Seed of the random generator, combined with the rank and the
            worker id. None (default) derives the stream from torch's seed of
            the drawing process: the loader's per-worker seed (a new one for
            every epoch's workers, drawn from the run's seed) or, without
            workers, the process's seed; combined with the rank. Both are
            reproducible under a fixed run seed.
    """

    def __init__(self, num_frames: int, test_mode: bool = False,
                 seed: Optional[int] = None) -> None:
        if num_frames < 1:
            raise ValueError(f'num_frames must be >= 1, got {num_frames}')
        self.num_frames = num_frames
        self.test_mode = test_mode
        self.seed = seed
        self._rng: Optional[np.random.Generator] = None
        self._rng_owner: Optional[Tuple[int, int]] = None

    def seed_material(self) -> List[int]:
        """Entropy of this process's stream (rank, worker, seeds)."""
        info = get_worker_info()
        rank = get_rank()
        if self.seed is not None:
            return [int(self.seed), rank, 0 if info is None else info.id + 1]
        base = torch.initial_seed() if info is None else info.seed
        return [int(base), rank]

    @property
    def rng(self) -> np.random.Generator:
        """The random generator of the current process (worker)."""
        info = get_worker_info()
        owner = (os.getpid(), -1 if info is None else info.id)
        if self._rng is None or self._rng_owner != owner:
            self._rng = np.random.default_rng(self.seed_material())
            self._rng_owner = owner
        return self._rng

    def sample(self, total_frames: int) -> np.ndarray:
        """Pick frame indices for a video with ``total_frames`` frames."""
        raise NotImplementedError

    def transform(self, results: Dict) -> Dict:
        total = int(results['total_frames'])
        if total < 1:
            raise ValueError(
                f'video {results.get("video_path")} has no frames')
        results['frame_inds'] = self.sample(total)
        results['num_frames'] = self.num_frames
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_frames={self.num_frames}, '
                f'test_mode={self.test_mode})')


@TRANSFORMS.register_module()
class HeadTailFrameSampler(BaseFrameSampler):
    """The paper's sparse head-tail sampling.

    Half of the frames come from the first half of the video and half from
    the second half (an odd count gives the extra frame to the head). Training
    picks sorted random frames within each half; testing picks the centres of
    equal segments within each half. Videos shorter than ``num_frames`` repeat
    frames instead of failing (the official loader returns None there and
    silently substitutes a random video).
    """

    def sample(self, total_frames: int) -> np.ndarray:
        num_head = (self.num_frames + 1) // 2
        num_tail = self.num_frames - num_head
        if total_frames == 1:
            return np.zeros(self.num_frames, dtype=np.int64)
        mid = total_frames // 2
        halves = ((0, mid, num_head), (mid, total_frames, num_tail))
        if self.test_mode:
            parts = [spread_indices(a, b, n) for a, b, n in halves if n]
        else:
            parts = [random_indices(a, b, n, self.rng) for a, b, n in halves
                     if n]
        return np.concatenate(parts)


@TRANSFORMS.register_module()
class UniformFrameSampler(BaseFrameSampler):
    """Evenly spread frames over the whole video.

    Args:
        num_frames: Number of frames.
        test_mode: In training, each frame is drawn at random from its segment
            (TSN-style); in test mode the segment centres are used.
        official_truncation: Reproduce the official ALPRO/MCG test sampler,
            ``np.arange(0, n, n / num_frames, dtype=int)``, whose truncated
            step biases indices towards the start and gives all zeros for
            videos shorter than ``num_frames``. Only for matching published
            numbers exactly.
    """

    def __init__(self, num_frames: int, test_mode: bool = False,
                 seed: Optional[int] = None,
                 official_truncation: bool = False) -> None:
        super().__init__(num_frames, test_mode, seed)
        self.official_truncation = official_truncation

    def sample(self, total_frames: int) -> np.ndarray:
        if self.official_truncation:
            inds = np.arange(0, total_frames, total_frames / self.num_frames,
                             dtype=int)[:self.num_frames]
            return np.pad(inds, (0, self.num_frames - len(inds)), mode='edge')
        if self.test_mode:
            return spread_indices(0, total_frames, self.num_frames)
        edges = np.arange(self.num_frames + 1) * total_frames / self.num_frames
        lows = np.floor(edges[:-1]).astype(np.int64)
        highs = np.maximum(np.floor(edges[1:]).astype(np.int64), lows + 1)
        picks = lows + np.floor(self.rng.random(self.num_frames) *
                                (highs - lows)).astype(np.int64)
        return np.minimum(picks, total_frames - 1)
