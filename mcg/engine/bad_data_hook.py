"""Count skipped videos during training and stop when there are too many.

Tolerance is the default: while this hook is configured (it is one of
``default_runtime.py``'s default hooks), :func:`tolerate_unreadable_videos`
wraps the training dataset in
:class:`~mcg.datasets.robust.SkipUnreadableVideos` when the Runner is built.
The replacement happens in dataloader workers; the bad file names reach the
main process inside each batch, in the data samples' ``skipped_videos``
metainfo. This hook collects them, logs each new file once with the running
count, merges the sets of all ranks periodically, and raises
:class:`TooManyBadVideosError` with the full list once more than
``max_bad_fraction`` of the distinct videos failed.
"""
from __future__ import annotations

import copy
from typing import Dict, Optional, Sequence

from mmengine.dist import all_gather_object, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mcg.registry import HOOKS


#: Largest tolerated fraction of unreadable training videos by default.
DEFAULT_MAX_BAD_FRACTION = 0.05


class TooManyBadVideosError(RuntimeError):
    """More training videos failed than the configured fraction allows."""


def skipped_in_batch(data_batch: Optional[dict]) -> Dict[str, str]:
    """``{path: reason}`` of the videos skipped while building a batch."""
    found: Dict[str, str] = {}
    samples = (data_batch or {}).get('data_samples') or []
    for sample in samples:
        meta = getattr(sample, 'metainfo', {})
        for path, reason in zip(meta.get('skipped_videos', ()),
                                meta.get('skipped_reasons', ())):
            found[path] = reason
    return found


def find_wrapper(dataset) -> Optional[object]:
    """The first dataset in a wrapper chain that has ``max_bad_fraction``."""
    while dataset is not None:
        if hasattr(dataset, 'max_bad_fraction'):
            return dataset
        dataset = getattr(dataset, 'dataset', None)
    return None


def format_report(bad: Dict[str, str], num_videos: int) -> str:
    """One line per bad file, sorted, with the total."""
    lines = [f'{len(bad)} of {num_videos} training videos are unreadable:']
    lines += [f'  {path}: {reason}' for path, reason in sorted(bad.items())]
    return '\n'.join(lines)


def _is_wrapped(dataset_cfg) -> bool:
    while isinstance(dataset_cfg, dict):
        if str(dataset_cfg.get('type', '')).split('.')[-1] == \
                'SkipUnreadableVideos':
            return True
        dataset_cfg = dataset_cfg.get('dataset')
    return False


def tolerate_unreadable_videos(cfg):
    """The config with its training dataset wrapped in
    ``SkipUnreadableVideos``.

    Done while ``default_hooks.unreadable_videos`` is configured (the
    default), unless the dataset is wrapped already; so every config skips
    unreadable training videos, and ``--cfg-options
    default_hooks.unreadable_videos=None`` makes one stop the run instead.
    Wrapping here, not in the configs, keeps ``train_dataloader.dataset.*``
    pointing at the real dataset for overrides.

    Args:
        cfg: The full config; left as it is, so that error messages name
            the keys the user wrote.

    Returns:
        A wrapped copy of ``cfg``, or ``cfg`` itself when nothing is wrapped.
    """
    hook = (cfg.get('default_hooks') or {}).get('unreadable_videos')
    loader = cfg.get('train_dataloader')
    if not hook or not loader or not isinstance(loader.get('dataset'), dict):
        return cfg
    if _is_wrapped(loader['dataset']):
        return cfg
    cfg = copy.deepcopy(cfg)
    cfg.train_dataloader.dataset = dict(
        type='SkipUnreadableVideos', dataset=cfg.train_dataloader.dataset)
    fraction = hook.get('max_bad_fraction', DEFAULT_MAX_BAD_FRACTION)
    print_log('unreadable training videos are skipped (counted, each logged '
              f'once); training stops when more than {fraction:g} of the '
              'videos are unreadable (default_hooks.unreadable_videos.'
              'max_bad_fraction; =None on the hook to stop at the first)',
              logger='current')
    return cfg


@HOOKS.register_module()
class UnreadableVideoHook(Hook):
    """Report skipped training videos; stop beyond ``max_bad_fraction``.

    Args:
        sync_interval: Merge the bad-file sets of all ranks every this many
            iterations (and at every epoch end). Each rank also checks its
            own set at every iteration: a rank alone over the limit stops.
        max_bad_fraction: Largest tolerated fraction of distinct unreadable
            training videos. A ``SkipUnreadableVideos`` wrapper written in
            the config with its own ``max_bad_fraction`` takes precedence.
    """

    priority = 'NORMAL'

    def __init__(self, sync_interval: int = 50,
                 max_bad_fraction: float = DEFAULT_MAX_BAD_FRACTION) -> None:
        if not 0 <= max_bad_fraction <= 1:
            raise ValueError('max_bad_fraction must be in [0, 1], got '
                             f'{max_bad_fraction}')
        self.sync_interval = int(sync_interval)
        self.max_bad_fraction = float(max_bad_fraction)
        self.bad: Dict[str, str] = {}
        self.fraction: Optional[float] = None
        self._wrapper = None
        self._num_videos: Optional[int] = None

    @property
    def num_videos(self) -> int:
        """Distinct training videos; counted when first needed (it reads
        every annotation)."""
        if self._num_videos is None:
            self._num_videos = (self._wrapper.num_videos
                                if self._wrapper is not None else 0)
        return self._num_videos

    @property
    def limit(self) -> Optional[float]:
        """Most bad videos tolerated; None without the dataset wrapper."""
        if self.fraction is None:
            return None
        return self.fraction * self.num_videos

    def before_train(self, runner) -> None:
        # A resumed run continues the count of the interrupted one.
        self.bad = dict(runner.message_hub.get_info('bad_videos', {}) or {})
        self._wrapper = find_wrapper(runner.train_dataloader.dataset)
        if self._wrapper is None:
            return
        own = self._wrapper.max_bad_fraction
        self.fraction = self.max_bad_fraction if own is None else own

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        new = {p: r for p, r in skipped_in_batch(data_batch).items()
               if p not in self.bad}
        self._add(runner, new)
        every = (runner.iter + 1) % self.sync_interval == 0
        if get_world_size() > 1 and every:
            self._sync(runner)
        if self.fraction is not None:
            # Shown in every training log line as ``bad_videos: N``.
            runner.message_hub.update_scalar('train/bad_videos',
                                             len(self.bad))
        self._check()

    def after_train_epoch(self, runner) -> None:
        if get_world_size() > 1:
            self._sync(runner)
        self._check()
        if self.bad:
            runner.logger.warning(
                f'epoch {runner.epoch + 1}: ' +
                format_report(self.bad, self.num_videos))

    def _add(self, runner, new: Dict[str, str]) -> None:
        for path, reason in sorted(new.items()):
            self.bad[path] = reason
            runner.logger.warning(
                f'unreadable training video #{len(self.bad)} skipped and '
                f'replaced: {path} ({reason})')
        if new:
            runner.message_hub.update_info('bad_videos', dict(self.bad))

    def _sync(self, runner) -> None:
        merged: Dict[str, str] = {}
        for part in all_gather_object(self.bad):
            merged.update(part)
        self._add(runner, {p: r for p, r in merged.items()
                           if p not in self.bad})

    def _check(self) -> None:
        if self.bad and self.limit is not None and len(self.bad) > self.limit:
            raise TooManyBadVideosError(
                f'more than {self.fraction:.1%} of the training videos are '
                f'unreadable (max_bad_fraction={self.fraction:g}; raise it '
                'with --cfg-options default_hooks.unreadable_videos.'
                'max_bad_fraction=F, or fix or remove the files).\n'
                + format_report(self.bad, self.num_videos))

    @property
    def summary(self) -> Sequence[str]:
        """Sorted paths of the bad videos seen so far."""
        return sorted(self.bad)
