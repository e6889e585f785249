"""Linear layers with a per-device, per-dtype matmul backend.

PyTorch runs an fp32 ``nn.Linear`` on CPU through its BLAS (MKL in the
official wheels), and a bf16 one through oneDNN. On the AMD EPYC (Zen 5) this
project measured on, a linear layer's forward plus backward ran at 80-90
GFLOP/s per core through MKL and at 131-176 GFLOP/s through oneDNN, 1.6-2.0x
faster, at mcg's shapes (``benchmarks/bench_linear.py``, docs/benchmarks.md):
the linear layers are ~90 % of an fp32 training step of the video encoder,
so the backend decides its speed. :func:`linear` runs one
of :data:`LINEAR_IMPLS`:

* ``'aten'``: ``F.linear``, PyTorch's own dispatch;
* ``'onednn'``: oneDNN's fp32 GEMM (``torch.ops.mkldnn._linear_pointwise``)
  for the forward and both backward products; CPU, fp32, no autocast only
  (anything else falls back to ``'aten'``).

:func:`choose_linear_impl` decides what ``'auto'`` means;
:func:`route_linears` switches every ``nn.Linear`` below a module (timm's
and HF's included) to :class:`PolicyLinear`, which keeps the parameters,
their names and the state dict. oneDNN builds a kernel for each new input
shape (~25 ms on that CPU, against ~1 ms for a 1088x128x384 product once
built), so it pays only where shapes repeat: ``MCGVideoQA`` routes its video
encoder (rows fixed by the clip shape), not the text side, whose row counts
follow each batch's question lengths.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .attention import AUTO, check_auto_or, compute_dtype

LINEAR_IMPLS = ('aten', 'onednn')


def check_linear_impl(impl: str) -> str:
    """Validate a ``linear_impl`` value (``'auto'`` or one of
    :data:`LINEAR_IMPLS`)."""
    return check_auto_or(impl, LINEAR_IMPLS, 'linear_impl')


@functools.lru_cache(maxsize=None)
def onednn_available() -> bool:
    """Whether this PyTorch build has oneDNN's dense linear kernel."""
    return (torch.backends.mkldnn.is_available()
            and hasattr(torch.ops.mkldnn, '_linear_pointwise'))


def choose_linear_impl(device_type: str, dtype: torch.dtype) -> str:
    """The default backend for a device and a compute dtype.

    CPU fp32: oneDNN, 1.6-2.0x faster than MKL forward plus backward at the
    shapes of mcg's encoders and of the demo model on the AMD CPU measured
    (docs/benchmarks.md).
    On Intel CPUs, where MKL's GEMM is tuned, the two are expected to be
    close; that was not measured (no such machine for this change), and
    ``linear_impl='aten'`` restores PyTorch's choice. bf16 / fp16 on CPU
    already run through oneDNN in PyTorch, and CUDA through cuBLAS: both
    ``'aten'``.

    Args:
        device_type: ``'cpu'``, ``'cuda'``, ...
        dtype: The dtype the layer computes in (autocast's if it is on).

    Returns:
        One of :data:`LINEAR_IMPLS`.
    """
    if (device_type == 'cpu' and dtype == torch.float32
            and onednn_available()):
        return 'onednn'
    return 'aten'


def _onednn_mm(a: Tensor, b_t: Tensor) -> Tensor:
    """``a @ b_t.T`` for 2-D fp32 tensors (any strides), by oneDNN."""
    return torch.ops.mkldnn._linear_pointwise(a, b_t, None, 'none', [], '')


class OneDNNLinearFunction(torch.autograd.Function):
    """``x W^T + b`` for 2-D ``x``, by oneDNN's GEMM forward and backward."""

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor | None
                ) -> Tensor:
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        return torch.ops.mkldnn._linear_pointwise(
            x, weight, bias, 'none', [], '')

    @staticmethod
    def backward(ctx, grad: Tensor):
        x, weight = ctx.saved_tensors
        grad_x = grad_w = grad_b = None
        # Transposed views: oneDNN reads the strides, a copy would cost more.
        if ctx.needs_input_grad[0]:
            grad_x = _onednn_mm(grad, weight.t())
        if ctx.needs_input_grad[1]:
            grad_w = _onednn_mm(grad.t(), x.t())
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = grad.sum(0)
        return grad_x, grad_w, grad_b


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None,
           impl: str = AUTO) -> Tensor:
    """``F.linear`` by the chosen backend.

    Args:
        x: (..., in) input.
        weight: (out, in) weight.
        bias: (out,) bias or None.
        impl: ``'auto'`` (:func:`choose_linear_impl`) or one of
            :data:`LINEAR_IMPLS`.

    Returns:
        (..., out) output.
    """
    dtype = compute_dtype(x)
    if impl == AUTO:
        impl = choose_linear_impl(x.device.type, dtype)
    # oneDNN's fp32 path only where it computes exactly what F.linear would:
    # fp32 operands on CPU, no autocast to cast them.
    if (impl == 'onednn' and x.device.type == 'cpu'
            and dtype == torch.float32 and x.dtype == torch.float32
            and weight.dtype == torch.float32 and x.numel() > 0
            and onednn_available()):
        # Reshaped outside the Function: its output must not be a view
        # (callers modify it in place, e.g. HF's residual additions).
        out = OneDNNLinearFunction.apply(x.reshape(-1, x.shape[-1]),
                                         weight, bias)
        return out.reshape(*x.shape[:-1], weight.shape[0])
    return F.linear(x, weight, bias)


class PolicyLinear(nn.Linear):
    """``nn.Linear`` whose matmul backend follows :func:`linear`'s policy.

    Args:
        in_features: Input width.
        out_features: Output width.
        bias: Whether to learn a bias.
        impl: ``'auto'`` or one of :data:`LINEAR_IMPLS`.
    """

    def __init__(self, in_features: int, out_features: int,
                 bias: bool = True, impl: str = AUTO, **kwargs) -> None:
        super().__init__(in_features, out_features, bias, **kwargs)
        self.impl = check_linear_impl(impl)

    def forward(self, x: Tensor) -> Tensor:
        return linear(x, self.weight, self.bias, self.impl)

    def extra_repr(self) -> str:
        return f'{super().extra_repr()}, impl={self.impl}'


def route_linears(module: nn.Module, impl: str = AUTO) -> int:
    """Switch every plain ``nn.Linear`` below ``module`` to ``impl``.

    Each one becomes a :class:`PolicyLinear` in place (its class is swapped;
    ``PolicyLinear`` adds only the ``impl`` attribute), so the module objects
    stay the same: parameters, names, the state dict, optimizer groups and
    references held elsewhere (a scorer sharing a loss's head) are
    untouched. ``PolicyLinear`` layers already there get the new ``impl``.
    Subclasses of ``nn.Linear`` with their own forward (e.g. quantised or
    LoRA layers) are left alone.

    Args:
        module: The module to walk (modified in place).
        impl: ``'auto'`` or one of :data:`LINEAR_IMPLS`.

    Returns:
        The number of layers now following ``impl``.
    """
    check_linear_impl(impl)
    count = 0
    for layer in module.modules():
        if type(layer) is nn.Linear:
            layer.__class__ = PolicyLinear
        elif not isinstance(layer, PolicyLinear):
            continue
        layer.impl = impl
        count += 1
    return count


@contextmanager
def pytorch_linears(module: nn.Module) -> Iterator[None]:
    """Run every :class:`PolicyLinear` below ``module`` as ``F.linear``.

    For tools that read the ATen ops a model runs (FLOP counters: fvcore
    counts ``aten::linear``/``aten::addmm``, not oneDNN's kernel); the
    backends compute the same product, so the count is the model's. Each
    layer's ``impl`` is restored afterwards.
    """
    layers = [m for m in module.modules() if isinstance(m, PolicyLinear)]
    saved = [m.impl for m in layers]
    for m in layers:
        m.impl = 'aten'
    try:
        yield
    finally:
        for m, impl in zip(layers, saved):
            m.impl = impl
