"""Stop at the first NaN/inf loss and say which questions produced it.

A non-finite loss usually comes from one bad sample or an unstable learning
rate; training on would turn every weight into NaN and the next checkpoint
would save them. :class:`FiniteLossHook` runs before the checkpoint and
logger hooks of the same iteration, so the last checkpoint on disk is still
clean when :class:`NonFiniteLossError` names the iteration, the loss terms and
the batch's question and video ids.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional

from mmengine.hooks import Hook

from mcg.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """A training loss became NaN or infinite."""


def batch_ids(data_batch: Optional[dict], key: str) -> List[str]:
    """``key`` (e.g. ``question_id``) of every data sample in the batch."""
    samples = (data_batch or {}).get('data_samples') or []
    return [str(s.metainfo.get(key)) for s in samples
            if key in getattr(s, 'metainfo', {})]


def non_finite_terms(outputs: Optional[dict]) -> Dict[str, float]:
    """The loss terms of ``outputs`` that are NaN or infinite."""
    bad = {}
    for name, value in (outputs or {}).items():
        if 'loss' not in name:
            continue
        value = float(value.detach() if hasattr(value, 'detach') else value)
        if not math.isfinite(value):
            bad[name] = value
    return bad


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` on a NaN/inf training loss.

    Args:
        max_ids: Question ids listed in the message at most.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, max_ids: int = 64) -> None:
        self.max_ids = int(max_ids)

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        bad = non_finite_terms(outputs)
        if not bad:
            return
        qids = batch_ids(data_batch, 'question_id')
        vids = sorted(set(batch_ids(data_batch, 'video_id')))
        shown = ', '.join(qids[:self.max_ids])
        more = f' (+{len(qids) - self.max_ids} more)' if len(
            qids) > self.max_ids else ''
        last = runner.message_hub.get_info('last_ckpt')
        raise NonFiniteLossError(
            f'non-finite loss at epoch {runner.epoch + 1}, iteration '
            f'{runner.iter + 1} (batch {batch_idx + 1}): '
            + ', '.join(f'{k}={v}' for k, v in bad.items())
            + f'.\n  question ids: {shown}{more}\n  video ids: '
            f'{", ".join(vids)}\n  The weights of this step are not saved; '
            f'the last checkpoint is {last or "none yet"}. Check these '
            'samples or lower the learning rate, then resume with --resume.')
