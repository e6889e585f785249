"""Numeric precision by device: bf16 autocast and TF32 on GPU, fp32 on CPU.

A config asks for mixed precision on GPUs with ``gpu_precision = 'bf16'``
(the paper configs, through ``configs/_base_/models/mcg_base.py``). When the
run has CUDA, :func:`apply_gpu_precision` then

* trains under bf16 autocast (``AutocastOptimWrapper``; bf16 needs no loss
  scaler),
* validates and tests under bf16 autocast (:class:`AutocastValLoop`,
  :class:`AutocastTestLoop`; MMEngine's ``fp16`` loops would pick fp16),
* lets the matmuls that stay fp32 (losses, norms' neighbours) use TF32.

Runs without CUDA, configs without the key (the ShapesQA demo) and
``tools/train.py --fp32`` (or ``--cfg-options gpu_precision=fp32``) stay in
fp32.
"""
from __future__ import annotations

from contextlib import nullcontext
from typing import Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.loops import _update_losses

from mcg.registry import LOOPS

PRECISIONS = ('fp32', 'bf16')
_PLAIN_OPTIM_WRAPPERS = ('OptimWrapper', 'mmengine.OptimWrapper')
_LOOPS = {'ValLoop': 'mcg.AutocastValLoop', 'TestLoop': 'mcg.AutocastTestLoop'}


def model_device_type(model: torch.nn.Module) -> str:
    """``'cuda'``, ``'cpu'``, ... of the model's first parameter."""
    param = next(model.parameters(), None)
    return 'cpu' if param is None else param.device.type


def autocast_for(model: torch.nn.Module, dtype: torch.dtype,
                 device_types: Optional[Sequence[str]] = None):
    """``torch.autocast`` on the model's device, or nothing.

    Args:
        model: The (possibly wrapped) model.
        dtype: Autocast dtype.
        device_types: Devices on which to autocast; None = any.

    Returns:
        A context manager.
    """
    device = model_device_type(model)
    if device_types is not None and device not in device_types:
        return nullcontext()
    return torch.autocast(device_type=device, dtype=dtype)


def enable_tf32() -> None:
    """Let fp32 matmuls and convolutions use TF32 tensor cores."""
    torch.set_float32_matmul_precision('high')
    torch.backends.cudnn.allow_tf32 = True


def apply_gpu_precision(cfg: Config, cuda_available: Optional[bool] = None
                        ) -> Optional[str]:
    """Switch a config to its GPU precision when the run has CUDA.

    Args:
        cfg: The config; reads ``gpu_precision`` (``'fp32'`` if absent).
        cuda_available: Override of ``torch.cuda.is_available()`` (tests).

    Returns:
        ``'bf16'`` when the config was switched, else None.

    Raises:
        ValueError: An unknown ``gpu_precision``.
    """
    precision = cfg.get('gpu_precision', 'fp32')
    if precision not in PRECISIONS:
        raise ValueError(f'gpu_precision must be one of {PRECISIONS}, got '
                         f'{precision!r}')
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    if precision == 'fp32' or not cuda_available:
        return None
    wrapper = cfg.get('optim_wrapper')
    if wrapper is not None and wrapper.get(
            'type', 'OptimWrapper') in _PLAIN_OPTIM_WRAPPERS:
        # AmpOptimWrapper, DeepSpeed's, ... are the config's own choice.
        wrapper['type'] = 'AutocastOptimWrapper'
        wrapper['dtype'] = 'bfloat16'
    for key in ('val_cfg', 'test_cfg'):
        loop = cfg.get(key)
        if loop and loop.get('type') in _LOOPS and not loop.get('fp16'):
            loop['type'] = _LOOPS[loop['type']]
            loop['dtype'] = 'bfloat16'
    enable_tf32()
    print_log('GPU precision: bf16 autocast (training, validation, test), '
              'TF32 for fp32 matmuls; --fp32 switches it off',
              logger='current')
    return precision


@LOOPS.register_module()
class AutocastValLoop(ValLoop):
    """``ValLoop`` whose model calls run under autocast (bf16 by default).

    Args:
        runner: The runner.
        dataloader: Dataloader or its config.
        evaluator: Evaluator or its config.
        dtype: ``'bfloat16'`` or ``'float16'``.
        device_types: Devices on which to autocast (None: any).
    """

    def __init__(self, runner, dataloader, evaluator,
                 dtype: str = 'bfloat16',
                 device_types: Optional[Sequence[str]] = None) -> None:
        super().__init__(runner, dataloader, evaluator, fp16=False)
        self.cast_dtype = getattr(torch, dtype)
        self.device_types = device_types

    @torch.no_grad()
    def run_iter(self, idx, data_batch) -> None:
        self.runner.call_hook('before_val_iter', batch_idx=idx,
                              data_batch=data_batch)
        with autocast_for(self.runner.model, self.cast_dtype,
                          self.device_types):
            outputs = self.runner.model.val_step(data_batch)
        outputs, self.val_loss = _update_losses(outputs, self.val_loss)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook('after_val_iter', batch_idx=idx,
                              data_batch=data_batch, outputs=outputs)


@LOOPS.register_module()
class AutocastTestLoop(TestLoop):
    """``TestLoop`` whose model calls run under autocast (bf16 by default).

    Args: as :class:`AutocastValLoop`.
    """

    def __init__(self, runner, dataloader, evaluator,
                 dtype: str = 'bfloat16',
                 device_types: Optional[Sequence[str]] = None) -> None:
        super().__init__(runner, dataloader, evaluator, fp16=False)
        self.cast_dtype = getattr(torch, dtype)
        self.device_types = device_types

    @torch.no_grad()
    def run_iter(self, idx, data_batch) -> None:
        self.runner.call_hook('before_test_iter', batch_idx=idx,
                              data_batch=data_batch)
        with autocast_for(self.runner.model, self.cast_dtype,
                          self.device_types):
            outputs = self.runner.model.test_step(data_batch)
        outputs, self.test_loss = _update_losses(outputs, self.test_loss)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook('after_test_iter', batch_idx=idx,
                              data_batch=data_batch, outputs=outputs)
