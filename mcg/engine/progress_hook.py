"""Progress with an ETA while a test run goes over a dataset."""
from __future__ import annotations

from typing import Optional, Sequence

from mmengine.dist import get_world_size, is_main_process
from mmengine.hooks import Hook

from mcg.registry import HOOKS
from mcg.utils.progress import ProgressLine


@HOOKS.register_module()
class TestProgressHook(Hook):
    """Print ``test: done/total questions, rate, elapsed, ETA`` lines.

    MMEngine's logger prints a line every ``interval`` batches; this counts
    questions (batches hold whole videos, so their sizes vary) and prints
    every ``interval`` seconds. With several processes, rank 0 reports its
    own share in batches.

    Args:
        interval: Seconds between lines (None: ``MCG_PROGRESS_INTERVAL`` or
            10, see :class:`~mcg.utils.progress.ProgressLine`).
    """

    priority = 'VERY_LOW'

    def __init__(self, interval: Optional[float] = None) -> None:
        self.interval = interval
        self._progress: Optional[ProgressLine] = None
        self._by_question = True

    def before_test_epoch(self, runner) -> None:
        if not is_main_process():
            return
        loader = runner.test_dataloader
        total = getattr(loader.dataset, 'num_questions', None)
        self._by_question = get_world_size() == 1 and total is not None
        if not self._by_question:
            total = len(loader)
        self._progress = ProgressLine(
            'test', total=total,
            unit='questions' if self._by_question else 'batches',
            interval=self.interval)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        if self._progress is None:
            return
        if self._by_question:
            self._progress.update(len(outputs) if outputs is not None else 0)
        else:
            self._progress.update()

    def after_test_epoch(self, runner, metrics=None) -> None:
        if self._progress is not None:
            self._progress.close()
            self._progress = None
