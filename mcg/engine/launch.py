"""Runner construction, including distributed runs on CPU-only machines."""
from __future__ import annotations

import os

import torch
from mmengine.config import Config


def init_cpu_distributed(cfg: Config) -> None:
    """Make MMEngine's ``pytorch`` launcher usable without GPUs.

    MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` and its default
    DDP wrapper passes ``device_ids=[LOCAL_RANK]``; both fail without CUDA.
    Initialising the gloo process group first makes MMEngine skip
    ``init_dist``, and ``device_ids=None`` is what DDP wants for CPU modules.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return
    import torch.distributed as dist
    if not dist.is_initialized():
        dist.init_process_group('gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    wrapper.setdefault('broadcast_buffers', False)
    cfg.model_wrapper_cfg = wrapper
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    os.environ.setdefault('MCG_CPU_DIST', '1')


def build_runner(cfg: Config):
    """Build a ``Runner`` (or ``cfg.runner_type``, e.g. FlexibleRunner)."""
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    init_cpu_distributed(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
