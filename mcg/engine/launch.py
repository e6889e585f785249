"""Runner construction, including distributed runs on CPU-only machines."""
from __future__ import annotations

import importlib.util
import os

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .bad_data_hook import tolerate_unreadable_videos
from .precision import apply_cpu_precision, apply_gpu_precision

#: Default hooks MMEngine itself knows; only these may be set to None there.
_MMENGINE_DEFAULT_HOOKS = ('runtime_info', 'timer', 'sampler_seed', 'logger',
                           'param_scheduler', 'checkpoint')
#: Loop types that :func:`use_resumable_loop` upgrades.
_PLAIN_EPOCH_LOOPS = ('EpochBasedTrainLoop', 'mmengine.EpochBasedTrainLoop')


#: Strategies whose package is an optional extra, and the package.
_STRATEGY_PACKAGES = dict(DeepSpeedStrategy='deepspeed',
                          ColossalAIStrategy='colossalai')


class MissingPackageError(RuntimeError):
    """The config selects a component whose optional package is missing."""


def check_strategy_package(cfg: Config) -> None:
    """Fail early, and readably, if the strategy's package is missing.

    Raises:
        MissingPackageError: e.g. a DeepSpeed config without ``deepspeed``.
    """
    strategy = cfg.get('strategy')
    if not isinstance(strategy, dict):
        return
    name = str(strategy.get('type', '')).split('.')[-1]
    package = _STRATEGY_PACKAGES.get(name)
    if package and importlib.util.find_spec(package) is None:
        raise MissingPackageError(
            f'strategy {name} needs the {package!r} package, which is not '
            f'installed (pip install {package}); it is not a dependency of '
            'mcg. See docs/scale.md.')


def init_cpu_distributed(cfg: Config) -> None:
    """Make MMEngine's ``pytorch`` launcher usable without GPUs.

    MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` and its default
    DDP wrapper passes ``device_ids=[LOCAL_RANK]``; both fail without CUDA.
    Initialising the gloo process group first makes MMEngine skip
    ``init_dist``, and ``device_ids=None`` is what DDP wants for CPU modules.
    FSDP (FlexibleRunner) initialises on the current CUDA device unless told
    ``device_id='cpu'``.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        dist.init_process_group('gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    cfg.model_wrapper_cfg = wrapper
    strategy = cfg.get('strategy')
    if isinstance(strategy, dict) and 'FSDP' in str(strategy.get('type')):
        strategy.setdefault('model_wrapper', {})['device_id'] = 'cpu'
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    os.environ.setdefault('MCG_CPU_DIST', '1')


def switched_off_losses(cfg: Config) -> list:
    """Losses of ``cfg.model.losses`` that are, or become, weight 0.

    A loss at weight 0 is still built (its modules may serve others: the
    VTM head scores multiple-choice candidates, the ICL projections pick the
    VTM negatives) but its own parameters get no gradient from it. Both a
    configured weight of 0 and a :class:`LossWeightScheduleHook` schedule
    reaching factor 0 count.

    Returns:
        The names of those losses, sorted.
    """
    losses = (cfg.get('model') or {}).get('losses') or {}
    names = {name for name, loss in losses.items()
             if isinstance(loss, dict) and float(loss.get('weight', 1.0)) == 0}
    for hook in cfg.get('custom_hooks') or []:
        hook_type = str(hook.get('type', '')).split('.')[-1]
        if hook_type != 'LossWeightScheduleHook':
            continue
        for name, spec in (hook.get('schedules') or {}).items():
            if min(spec.get('start_factor', 1.0),
                   spec.get('end_factor', 0.0)) == 0:
                names.add(name)
    return sorted(names)


def find_unused_parameters_for_losses_off(cfg: Config) -> None:
    """Let DDP skip parameters that a switched-off loss leaves unused.

    DDP expects a gradient for every trainable parameter; a weight-0 loss's
    projections get none and the second iteration stops with "Expected to
    have finished reduction in the prior iteration". For distributed runs of
    such configs this sets ``model_wrapper_cfg.find_unused_parameters=True``
    (unless the config sets it); FlexibleRunner strategies are left alone.
    """
    if cfg.get('launcher', 'none') == 'none' or cfg.get('strategy'):
        return
    names = switched_off_losses(cfg)
    if not names:
        return
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    if 'find_unused_parameters' not in wrapper:
        wrapper['find_unused_parameters'] = True
        print_log(f'losses {names} are switched off (weight 0): DDP runs '
                  'with find_unused_parameters=True', logger='current')
    cfg.model_wrapper_cfg = wrapper


def use_resumable_loop(cfg: Config) -> None:
    """Train epoch-based configs with the iteration-exact resumable loop.

    :class:`~mcg.engine.loops.ResumableEpochBasedTrainLoop` behaves like
    MMEngine's ``EpochBasedTrainLoop`` and, in addition, resumes a
    mid-epoch checkpoint at the next batch. Other loop types are kept.
    """
    train_cfg = cfg.get('train_cfg')
    if not train_cfg:
        return
    loop_type = train_cfg.get('type')
    if loop_type in _PLAIN_EPOCH_LOOPS or (loop_type is None and
                                           train_cfg.get('by_epoch', False)):
        train_cfg = dict(train_cfg)
        train_cfg.pop('by_epoch', None)
        train_cfg['type'] = 'mcg.ResumableEpochBasedTrainLoop'
        cfg.train_cfg = train_cfg
        print_log('train loop: ResumableEpochBasedTrainLoop (resumes '
                  'mid-epoch checkpoints at the exact iteration)',
                  logger='current')


def drop_disabled_hooks(cfg: Config) -> None:
    """Remove mcg's default hooks that the config sets to None.

    MMEngine accepts ``default_hooks.<name>=None`` only for its own six
    hooks; this lets ``--cfg-options default_hooks.finite_loss=None`` switch
    off mcg's additions too.
    """
    hooks = cfg.get('default_hooks') or {}
    for name in [k for k, v in hooks.items()
                 if v is None and k not in _MMENGINE_DEFAULT_HOOKS]:
        hooks.pop(name)


def build_runner(cfg: Config, training: bool = True):
    """Build a ``Runner`` (or ``cfg.runner_type``, e.g. FlexibleRunner).

    Args:
        cfg: The run's config (modified: precision, hooks, loops).
        training: False for a runner that only evaluates; its CPU
            precision then stays fp32 (``cpu_precision`` is for training).

    Returns:
        The runner.
    """
    check_strategy_package(cfg)
    find_unused_parameters_for_losses_off(cfg)
    init_cpu_distributed(cfg)
    drop_disabled_hooks(cfg)
    cfg = tolerate_unreadable_videos(cfg)
    use_resumable_loop(cfg)
    apply_gpu_precision(cfg)
    if training:
        apply_cpu_precision(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
