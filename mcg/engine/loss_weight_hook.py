"""Change the weights of the training objective's terms during training.

MMEngine's parameter schedulers act on optimizer parameter groups; the
weights of ``model.losses`` are plain attributes of the loss modules, so this
hook sets them before every training iteration. The weight is a function of
the iteration counter only, which makes it resume-safe: a resumed run sees
the same weights at the same iteration.
"""
from __future__ import annotations

from typing import Dict

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mcg.registry import HOOKS
from .model_utils import unwrap_model

_KEYS = {'begin', 'end', 'start_factor', 'end_factor'}


@HOOKS.register_module()
class LossWeightScheduleHook(Hook):
    """Scale loss weights linearly between two points of training.

    Each schedule multiplies the configured weight of one loss of
    ``model.losses`` by ``start_factor`` before ``begin``, by a factor going
    linearly to ``end_factor`` between ``begin`` and ``end``, and by
    ``end_factor`` after. A weight that reaches 0 switches the loss off (the
    model skips its computation and the hook logs ``loss_<name>`` as 0).

    Example::

        # ICL at full weight for 6 epochs, then faded out by epoch 12.
        custom_hooks = [dict(type='LossWeightScheduleHook', schedules=dict(
            icl=dict(begin=6, end=12, end_factor=0.0)))]

    Args:
        schedules: Loss name (a key of ``model.losses``) -> dict with
            ``begin`` and ``end`` (epochs, or iterations with
            ``by_epoch=False``; fractional epochs allowed), and optional
            ``start_factor`` (default 1) and ``end_factor`` (default 0).
        by_epoch: Whether ``begin``/``end`` count epochs or iterations.
    """

    priority = 'NORMAL'

    def __init__(self, schedules: Dict[str, dict], by_epoch: bool = True
                 ) -> None:
        if not schedules:
            raise ValueError('LossWeightScheduleHook needs at least one '
                             'schedule')
        self.schedules = {}
        for name, spec in schedules.items():
            unknown = set(spec) - _KEYS
            if unknown or not {'begin', 'end'} <= set(spec):
                raise ValueError(
                    f'schedule of loss {name!r} must give begin and end '
                    f'(and optionally start_factor, end_factor); got '
                    f'{sorted(spec)}')
            spec = {'start_factor': 1.0, 'end_factor': 0.0, **spec}
            if not 0 <= spec['begin'] <= spec['end']:
                raise ValueError(f'schedule of loss {name!r}: need '
                                 f'0 <= begin <= end, got {spec}')
            if min(spec['start_factor'], spec['end_factor']) < 0:
                raise ValueError(f'schedule of loss {name!r}: factors must '
                                 f'be >= 0, got {spec}')
            self.schedules[name] = spec
        self.by_epoch = by_epoch
        self.base_weights: Dict[str, float] = {}
        self.losses = None  # model.losses, found in before_train

    @staticmethod
    def _find_losses(runner):
        model = unwrap_model(runner.model)
        losses = getattr(model, 'losses', None)
        if losses is None:
            raise TypeError(f'{type(model).__name__} has no `losses` dict; '
                            'LossWeightScheduleHook needs an MCG model')
        return losses

    def before_train(self, runner) -> None:
        losses = self._find_losses(runner)
        missing = sorted(set(self.schedules) - set(losses.keys()))
        if missing:
            raise KeyError(f'LossWeightScheduleHook: no loss named {missing} '
                           f'in model.losses (has {sorted(losses.keys())})')
        # A loss whose weight reaches 0 leaves its own parameters (e.g. the
        # ICL projections) without gradients, which DDP rejects by default.
        fades_out = [n for n, s in self.schedules.items()
                     if s['end_factor'] == 0 or s['start_factor'] == 0]
        if fades_out and is_model_wrapper(runner.model) and not getattr(
                runner.model, 'find_unused_parameters', True):
            raise ValueError(
                f'losses {fades_out} are scheduled to weight 0 under DDP: set '
                "model_wrapper_cfg=dict(type='MMDistributedDataParallel', "
                'find_unused_parameters=True) or a positive end_factor')
        # The configured weights, read once: the hook overwrites them.
        self.base_weights = {n: float(losses[n].weight)
                             for n in self.schedules}
        self.losses = losses
        # Set now (a resumed run starts mid-schedule); logged per iteration.
        self._apply(runner, log=False)

    def factor(self, name: str, progress: float) -> float:
        """The multiplier of loss ``name`` at ``progress`` epochs/iters."""
        spec = self.schedules[name]
        begin, end = spec['begin'], spec['end']
        if progress <= begin:
            return spec['start_factor']
        if progress >= end:
            return spec['end_factor']
        t = (progress - begin) / (end - begin)
        return spec['start_factor'] + t * (spec['end_factor']
                                           - spec['start_factor'])

    def _apply(self, runner, log: bool = True) -> None:
        progress = runner.iter
        if self.by_epoch:
            progress = runner.iter / max(len(runner.train_dataloader), 1)
        for name, base in self.base_weights.items():
            weight = base * self.factor(name, progress)
            self.losses[name].weight = weight
            if log:
                runner.message_hub.update_scalar(f'train/weight_{name}',
                                                 weight)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        self._apply(runner)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        # The model skips a loss at weight 0 and logs nothing for it; without
        # this the log would keep repeating its last value.
        for name in self.base_weights:
            if self.losses[name].weight == 0:
                runner.message_hub.update_scalar(f'train/loss_{name}', 0.0)
