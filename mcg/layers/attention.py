"""Scaled dot-product attention with a per-device, per-dtype implementation.

Every attention of mcg (the TimeSformer's temporal and spatial attention, the
fusor's and the generator's self- and cross-attention) runs through
:func:`attend`, which dispatches to one of :data:`IMPLS`:

* ``'sdpa'``: ``F.scaled_dot_product_attention``, backend chosen by PyTorch;
* ``'flash'`` / ``'efficient'`` / ``'math'``: SDPA restricted to one backend
  (``'efficient'`` is CUDA-only; on CPU PyTorch has flash and math);
* ``'matmul'``: explicit ``softmax(q k^T / sqrt(d)) v`` (what HF's
  TimeSformer and timm's non-fused ``Attention`` do).

Which one ``'auto'`` picks is decided in one place, :func:`choose_impl`,
from measurements (``benchmarks/bench_attention.py``; the table and the
machine are in docs/benchmarks.md). Modules take an ``attn_impl`` argument
(``'auto'`` or one of :data:`IMPLS`) so a config can override the choice,
e.g. ``model=dict(video_encoder=dict(attn_impl='flash'))``.
"""
from __future__ import annotations

from contextlib import nullcontext
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn.attention import SDPBackend, sdpa_kernel

IMPLS = ('sdpa', 'flash', 'efficient', 'math', 'matmul')
AUTO = 'auto'


def check_auto_or(impl: str, choices: Sequence[str], key: str) -> str:
    """Validate a policy setting: ``'auto'`` or one of ``choices``.

    Args:
        impl: The configured value.
        choices: The implementations.
        key: The setting's name, for the error (``'attn_impl'``, ...).

    Returns:
        ``impl`` unchanged.

    Raises:
        ValueError: An unknown name.
    """
    if impl != AUTO and impl not in choices:
        raise ValueError(f"{key} must be 'auto' or one of {tuple(choices)}, "
                         f'got {impl!r}')
    return impl


def check_impl(impl: str) -> str:
    """Validate an ``attn_impl`` value (``'auto'`` or one of :data:`IMPLS`)."""
    return check_auto_or(impl, IMPLS, 'attn_impl')


def choose_impl(device_type: str, dtype: torch.dtype, kv_len: int) -> str:
    """The default implementation for a device, a compute dtype and a length.

    CPU (measured with ``benchmarks/bench_attention.py``, forward plus
    backward, docs/benchmarks.md "Attention implementations"): in bf16 the
    explicit matmul path is 1.8-8x faster than SDPA's CPU flash kernel at
    every length mcg uses (8 temporal, 17-577 spatial, cross-attention to
    1.6K video tokens); in fp32 it is faster for short sequences (8-17 keys)
    and SDPA (flash) is faster from ~130 keys on, where its blocking avoids
    writing the whole score matrix (and it keeps no probabilities for
    backward). CUDA (not measured: no GPU was available): SDPA's own choice
    (flash / memory-efficient), which also keeps the B*H*L^2 probabilities
    out of memory.

    Args:
        device_type: ``'cpu'``, ``'cuda'``, ...
        dtype: The dtype attention computes in (the autocast dtype if
            autocast is on).
        kv_len: Number of keys.

    Returns:
        One of :data:`IMPLS`.
    """
    if device_type != 'cpu':
        return 'sdpa'
    if dtype in (torch.bfloat16, torch.float16):
        return 'matmul'
    return 'matmul' if kv_len <= FP32_MATMUL_MAX_KEYS else 'sdpa'


#: Longest key sequence for which ``'auto'`` takes the matmul path in fp32
#: on CPU (see :func:`choose_impl`).
FP32_MATMUL_MAX_KEYS = 32


def compute_dtype(x: Tensor) -> torch.dtype:
    """The dtype a matmul on ``x`` runs in (autocast's, if it is on)."""
    device_type = x.device.type
    try:
        if torch.is_autocast_enabled(device_type):
            return torch.get_autocast_dtype(device_type)
    except RuntimeError:  # no autocast for this device (e.g. 'meta')
        pass
    return x.dtype


def resolve_impl(impl: str, q: Tensor, k: Tensor) -> str:
    """``impl`` with ``'auto'`` replaced by :func:`choose_impl`'s pick."""
    if impl != AUTO:
        return impl
    return choose_impl(q.device.type, compute_dtype(q), k.shape[-2])


_BACKENDS = {
    'flash': 'FLASH_ATTENTION',
    'efficient': 'EFFICIENT_ATTENTION',
    'math': 'MATH',
}


def attend(q: Tensor, k: Tensor, v: Tensor, mask: Optional[Tensor] = None,
           dropout_p: float = 0.0, is_causal: bool = False,
           impl: str = AUTO) -> Tensor:
    """``softmax(q k^T / sqrt(d) + mask) v`` by the chosen implementation.

    Args:
        q: (..., Lq, d) queries.
        k: (..., Lk, d) keys.
        v: (..., Lk, dv) values.
        mask: Boolean mask broadcastable to (..., Lq, Lk), True = attend.
        dropout_p: Dropout on the attention probabilities.
        is_causal: Causal mask (Lq == Lk, or the last Lq of Lk keys as
            SDPA aligns it: top-left); not combined with ``mask``.
        impl: ``'auto'`` or one of :data:`IMPLS`.

    Returns:
        (..., Lq, dv) context.
    """
    impl = resolve_impl(impl, q, k)
    if impl == 'matmul':
        return _matmul_attention(q, k, v, mask, dropout_p, is_causal)
    if impl == 'sdpa':
        ctx = nullcontext()
    else:
        ctx = sdpa_kernel(getattr(SDPBackend, _BACKENDS[impl]))
    with ctx:
        return F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, dropout_p=dropout_p,
            is_causal=is_causal)


def _matmul_attention(q: Tensor, k: Tensor, v: Tensor,
                      mask: Optional[Tensor], dropout_p: float,
                      is_causal: bool) -> Tensor:
    # Scaling q (Lq x d) is cheaper than scaling the Lq x Lk scores.
    scores = (q * q.shape[-1] ** -0.5) @ k.transpose(-2, -1)
    if is_causal:
        lq, lk = scores.shape[-2:]
        mask = torch.ones(lq, lk, dtype=torch.bool,
                          device=q.device).tril()
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float('-inf'))
        else:
            scores = scores + mask
    probs = scores.softmax(-1)
    if dropout_p > 0:
        probs = F.dropout(probs, dropout_p)
    return probs.to(v.dtype) @ v
