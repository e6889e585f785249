"""Mixed precision that also runs on CPU."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Optional, Sequence

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mcg.registry import OPTIM_WRAPPERS
from .precision import autocast_for


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under ``torch.autocast``.

    MMEngine's ``AmpOptimWrapper`` refuses CPU-only machines. bf16 autocast
    needs no loss scaling and works on CPU and GPU alike, and CPUs with
    AVX512-BF16/AMX run bf16 matmuls several times faster than fp32. For fp16
    on GPU use MMEngine's ``AmpOptimWrapper`` (it adds the loss scaler).

    Args:
        dtype: ``'bfloat16'`` (default) or ``'float16'``.
        device_types: Devices on which to autocast, e.g. ``('cuda',)``;
            None (default) autocasts on any device.
        **kwargs: Passed to :class:`OptimWrapper`.
    """

    def __init__(self, dtype: str = 'bfloat16',
                 device_types: Optional[Sequence[str]] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.cast_dtype = getattr(torch, dtype)
        self.device_types = device_types

    @contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), autocast_for(
                model, self.cast_dtype, self.device_types):
            yield
