"""Training on data with a few broken videos.

A 10-hour run must not die on one truncated file, and must not silently
train on a substitute either. :class:`SkipUnreadableVideos` wraps a training
dataset (every config's, by default: see
:func:`~mcg.engine.bad_data_hook.tolerate_unreadable_videos`): an item whose
video raises :class:`VideoReadError` (missing, zero-byte, truncated,
undecodable, or too short with :class:`RequireMinFrames`) is replaced by
another readable item, and the replacement's data samples carry
``skipped_videos`` (paths) and ``skipped_reasons`` in their metainfo. The
marker travels inside the batch, so it survives dataloader worker processes;
the
:class:`~mcg.engine.bad_data_hook.UnreadableVideoHook` reads it, counts the
distinct bad files, logs them and stops training when more than
``max_bad_fraction`` of the videos are bad.

At test time the wrapper is transparent: evaluation must not substitute
videos; the datasets themselves turn an unreadable video into a flagged
placeholder that the metrics count and list.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np
from torch.utils.data import Dataset

from mcg.registry import DATASETS, TRANSFORMS
from .transforms.base import BaseTransform
from .transforms.loading import VideoReadError


@TRANSFORMS.register_module()
class RequireMinFrames(BaseTransform):
    """Reject videos with fewer than ``min_frames`` frames.

    Place it right after ``DecordInit``. Frame samplers repeat frames of a
    short video rather than fail; this makes "too short" an explicit,
    reportable read error instead.

    Args:
        min_frames: Minimum number of decodable frames.
    """

    def __init__(self, min_frames: int) -> None:
        self.min_frames = int(min_frames)

    def transform(self, results: Dict) -> Dict:
        total = int(results.get('total_frames', 0))
        if total < self.min_frames:
            raise VideoReadError(
                results.get('video_path', '?'),
                f'too short: {total} frames, need {self.min_frames}')
        return results

    def __repr__(self) -> str:
        return f'RequireMinFrames(min_frames={self.min_frames})'


@DATASETS.register_module()
class SkipUnreadableVideos(Dataset):
    """Replace training items whose video cannot be read.

    Args:
        dataset: The wrapped dataset or its config.
        max_bad_fraction: Largest tolerated fraction of distinct bad video
            files; read by the ``UnreadableVideoHook``, which stops training
            beyond it. None: the hook's own ``max_bad_fraction``.
        max_retries: Replacement attempts per item before giving up.
        seed: Seed of the replacement choice; the choice depends only on
            ``(seed, index, attempt)``, so it is the same in every worker,
            rank and resumed run.
    """

    def __init__(self, dataset, max_bad_fraction: Optional[float] = None,
                 max_retries: int = 10, seed: int = 0) -> None:
        if max_bad_fraction is not None and not 0 <= max_bad_fraction <= 1:
            raise ValueError('max_bad_fraction must be in [0, 1], got '
                             f'{max_bad_fraction}')
        self.dataset = (DATASETS.build(dataset) if isinstance(dataset, dict)
                        else dataset)
        self.max_bad_fraction = (None if max_bad_fraction is None else
                                 float(max_bad_fraction))
        self.max_retries = int(max_retries)
        self.seed = int(seed)
        self._num_videos: Optional[int] = None

    # -- what the Runner and the metrics expect of a dataset ----------------
    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's metainfo."""
        return self.dataset.metainfo

    @property
    def test_mode(self) -> bool:
        """Whether the wrapped dataset is in test mode."""
        return bool(getattr(self.dataset, 'test_mode', False))

    def full_init(self) -> None:
        """Fully initialise the wrapped dataset."""
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()

    def __getattr__(self, name: str):
        # What samplers read of the dataset they draw from (the multi-source
        # sampler's ``source_sizes``) is the wrapped dataset's.
        if name.startswith('__') or 'dataset' not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__['dataset'], name)

    def get_data_info(self, idx: int) -> dict:
        """The wrapped dataset's annotation of item ``idx``."""
        return self.dataset.get_data_info(idx)

    def __len__(self) -> int:
        return len(self.dataset)

    @property
    def num_videos(self) -> int:
        """Number of distinct video files (the denominator of the fraction)."""
        if self._num_videos is None:
            self._num_videos = len({
                self.get_data_info(i).get('video_path', i)
                for i in range(len(self))})
        return self._num_videos

    # -- replacement --------------------------------------------------------
    def _another(self, idx: int, attempt: int) -> int:
        rng = np.random.default_rng([self.seed, idx, attempt])
        return int(rng.integers(len(self)))

    def __getitem__(self, idx: int):
        if self.test_mode:
            return self.dataset[idx]
        failures: List[Tuple[str, str]] = []
        candidate = idx
        for attempt in range(self.max_retries + 1):
            try:
                item = self.dataset[candidate]
            except VideoReadError as exc:
                failures.append((exc.path, exc.reason))
                candidate = self._another(idx, attempt)
                continue
            if failures:
                mark_skipped(item, failures)
            return item
        listed = '; '.join(f'{p} ({r})' for p, r in failures)
        raise VideoReadError(
            failures[-1][0], f'{len(failures)} unreadable videos in a row '
            f'while replacing item {idx}: {listed}')

    def __repr__(self) -> str:
        return (f'SkipUnreadableVideos({type(self.dataset).__name__}, '
                f'max_bad_fraction={self.max_bad_fraction})')


def mark_skipped(item: Dict, failures: List[Tuple[str, str]]) -> None:
    """Record the skipped videos in the metainfo of ``item``'s samples."""
    samples = item['data_samples']
    for sample in samples if isinstance(samples, (list, tuple)) else [
            samples]:
        sample.set_metainfo(dict(
            skipped_videos=tuple(p for p, _ in failures),
            skipped_reasons=tuple(r for _, r in failures)))
