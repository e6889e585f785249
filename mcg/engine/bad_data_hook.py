"""Count skipped videos during training and stop when there are too many.

The replacement happens in dataloader workers (see
:class:`~mcg.datasets.robust.SkipUnreadableVideos`); the bad file names reach
the main process inside each batch, in the data samples' ``skipped_videos``
metainfo. This hook collects them, logs each new file once with the running
count, merges the sets of all ranks periodically, and raises
:class:`TooManyBadVideosError` with the full list once more than the
wrapper's ``max_bad_fraction`` of the distinct videos failed.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence

from mmengine.dist import all_gather_object, get_world_size
from mmengine.hooks import Hook

from mcg.registry import HOOKS


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


@HOOKS.register_module()
class UnreadableVideoHook(Hook):
    """Report skipped training videos; stop beyond ``max_bad_fraction``.

    Args:
        sync_interval: Merge the bad-file sets of all ranks every this many
            iterations (and at every epoch end). Each rank also checks its
            own set at every iteration: a rank alone over the limit stops.
    """

    priority = 'NORMAL'

    def __init__(self, sync_interval: int = 50) -> None:
        self.sync_interval = int(sync_interval)
        self.bad: Dict[str, str] = {}
        self.limit: Optional[float] = None
        self.num_videos = 0

    def before_train(self, runner) -> None:
        # A resumed run continues the count of the interrupted one.
        self.bad = dict(runner.message_hub.get_info('bad_videos', {}) or {})
        wrapper = find_wrapper(runner.train_dataloader.dataset)
        if wrapper is None:
            return
        self.num_videos = wrapper.num_videos
        self.limit = wrapper.max_bad_fraction * self.num_videos

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        new = {p: r for p, r in skipped_in_batch(data_batch).items()
               if p not in self.bad}
        self._add(runner, new)
        every = (runner.iter + 1) % self.sync_interval == 0
        if get_world_size() > 1 and every:
            self._sync(runner)
        if self.limit is not None:
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
        if self.limit is not None and len(self.bad) > self.limit:
            fraction = self.limit / max(self.num_videos, 1)
            raise TooManyBadVideosError(
                f'more than {fraction:.1%} of the training videos are '
                f'unreadable (max_bad_fraction={fraction:g} of '
                'SkipUnreadableVideos).\n'
                + format_report(self.bad, self.num_videos))

    @property
    def summary(self) -> Sequence[str]:
        """Sorted paths of the bad videos seen so far."""
        return sorted(self.bad)
