"""Numeric precision by device: bf16 autocast where it is the fast path.

GPU: a config asks for mixed precision with ``gpu_precision = 'bf16'`` (the
paper configs, through ``configs/_base_/models/mcg_base.py``). When the run
has CUDA, :func:`apply_gpu_precision` then

* trains under bf16 autocast (``AutocastOptimWrapper``; bf16 needs no loss
  scaler),
* validates and tests under bf16 autocast (:class:`AutocastValLoop`,
  :class:`AutocastTestLoop`; MMEngine's ``fp16`` loops would pick fp16),
* lets the matmuls that stay fp32 (losses, norms' neighbours) use TF32.

CPU: ``cpu_precision`` (``'fp32'`` if absent, ``'bf16'``, or ``'auto'``:
bf16 when the CPU multiplies bf16 natively, AMX or AVX512_BF16, see
:func:`cpu_native_bf16`) applies to runs without CUDA, and only to training:
validation and test stay fp32 there, so a checkpoint gives the same table on
any CPU and evaluation, a small share of a CPU run, loses nothing to
rounding. The ShapesQA demo sets ``'auto'`` (measured in docs/demo.md).

``tools/train.py --fp32`` (or ``--cfg-options gpu_precision=fp32
cpu_precision=fp32``) keeps fp32 everywhere; ``--amp`` asks for bf16
autocast in training on any device.
"""
from __future__ import annotations

from contextlib import nullcontext
from typing import Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.loops import _update_losses

from mcg.registry import LOOPS

PRECISIONS = ('fp32', 'bf16')
CPU_PRECISIONS = ('fp32', 'bf16', 'auto')
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


def _setting(cfg: Config, key: str, allowed: Sequence[str],
             cuda_available: Optional[bool]) -> Tuple[str, bool]:
    """The config's ``key`` (``'fp32'`` if absent), checked, and whether the
    run has CUDA (``cuda_available`` unless None)."""
    precision = cfg.get(key, 'fp32')
    if precision not in allowed:
        raise ValueError(f'{key} must be one of {tuple(allowed)}, got '
                         f'{precision!r}')
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    return precision, cuda_available


def _autocast_training(cfg: Config) -> bool:
    """Switch a plain optimizer wrapper to bf16 autocast.

    Returns:
        False when the config chose its own wrapper (``AmpOptimWrapper``,
        DeepSpeed's, ...), which is kept.
    """
    wrapper = cfg.get('optim_wrapper')
    if wrapper is None or wrapper.get(
            'type', 'OptimWrapper') not in _PLAIN_OPTIM_WRAPPERS:
        return False
    wrapper['type'] = 'AutocastOptimWrapper'
    wrapper['dtype'] = 'bfloat16'
    return True


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
    precision, cuda_available = _setting(cfg, 'gpu_precision', PRECISIONS,
                                         cuda_available)
    if precision == 'fp32' or not cuda_available:
        return None
    _autocast_training(cfg)
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


def cpu_native_bf16() -> Optional[str]:
    """The instruction set with which this CPU multiplies bf16, if any.

    Returns:
        ``'AMX'``, ``'AVX512_BF16'``, or None (bf16 matmuls are emulated and
        slower than fp32 there).
    """
    if torch.cpu._is_amx_tile_supported():
        return 'AMX'
    if torch.cpu._is_avx512_bf16_supported():
        return 'AVX512_BF16'
    return None


def apply_cpu_precision(cfg: Config, cuda_available: Optional[bool] = None,
                        native: Optional[str] = 'detect') -> Optional[str]:
    """Switch training to bf16 autocast on CPU when the config asks for it.

    Args:
        cfg: The config; reads ``cpu_precision`` (``'fp32'`` if absent).
        cuda_available: Override of ``torch.cuda.is_available()`` (tests).
        native: Override of :func:`cpu_native_bf16` (tests).

    Returns:
        ``'bf16'`` when training was switched, else None.

    Raises:
        ValueError: An unknown ``cpu_precision``.
    """
    precision, cuda_available = _setting(cfg, 'cpu_precision',
                                         CPU_PRECISIONS, cuda_available)
    if precision == 'fp32' or cuda_available:
        return None
    if native == 'detect':
        native = cpu_native_bf16()
    if precision == 'auto' and native is None:
        print_log("CPU precision: fp32 (cpu_precision='auto' and this CPU "
                  'has neither AMX nor AVX512_BF16, where bf16 is slower)',
                  logger='current')
        return None
    if not _autocast_training(cfg):
        return None
    why = f'this CPU has {native}' if native else 'asked for'
    print_log(f'CPU precision: bf16 autocast for training ({why}; '
              f'cpu_precision={precision!r}), validation and test in fp32; '
              '--fp32 switches it off', logger='current')
    return 'bf16'


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
