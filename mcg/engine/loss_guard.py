"""Stop at the first NaN/inf loss and say which questions produced it.

A non-finite loss usually comes from one bad sample or an unstable learning
rate; training on would turn every weight into NaN and the next checkpoint
would save them. :class:`FiniteLossHook` checks the loss before the optimizer
step, agreed across data-parallel ranks (a NaN on one rank reaches every
rank's weights through the gradient all-reduce), skips that step on every
rank, and then, before the checkpoint and logger hooks of the same iteration,
raises :class:`NonFiniteLossError` with the iteration, the loss terms and the
batch's question and video ids. The weights stay those of the last good
step, and so does every checkpoint.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional

import torch
import torch.distributed as dist
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapper

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


def all_ranks_finite(loss: torch.Tensor) -> bool:
    """Whether the loss is finite on every data-parallel rank.

    One all-reduce of a flag and one read of it per step (the step must be
    taken or skipped by all ranks alike).
    """
    flag = torch.isfinite(loss.detach()).all().to(torch.float32).reshape(1)
    if dist.is_available() and dist.is_initialized() and \
            dist.get_world_size() > 1:
        dist.all_reduce(flag, op=dist.ReduceOp.MIN)
    return bool(flag.item())


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Skip the step and raise :class:`NonFiniteLossError` on a NaN/inf loss.

    ``before_train`` puts a check in front of the optimizer wrapper's
    ``update_params``: a loss that is not finite on some rank skips the
    backward pass and the step on all ranks. ``after_train_iter`` then raises
    on every rank. Without that check (an optimizer wrapper dict, or the hook
    used on its own) the loss terms of ``outputs`` are checked after the step.

    Args:
        max_ids: Question ids listed in the message at most.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, max_ids: int = 64) -> None:
        self.max_ids = int(max_ids)
        # This iteration's check before the step: None (not run), True
        # (finite on every rank) or False (step skipped on every rank).
        self._finite: Optional[bool] = None

    def before_train(self, runner) -> None:
        wrapper = getattr(runner, 'optim_wrapper', None)
        if not isinstance(wrapper, OptimWrapper):
            return
        update_params = wrapper.update_params

        def checked_update_params(loss, *args, **kwargs):
            self._finite = all_ranks_finite(loss)
            if self._finite:
                return update_params(loss, *args, **kwargs)
            wrapper.zero_grad()
        wrapper.update_params = checked_update_params

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        finite, self._finite = self._finite, None
        if finite:
            return   # checked before the step; no read-back of each term
        bad = non_finite_terms(outputs)
        if not bad and finite is None:
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
            'samples or lower the learning rate, then resume with --resume.'
            + ('' if bad else '\n  (The loss of this rank was finite; '
               'another rank saw the non-finite one, and no rank stepped.)'))
