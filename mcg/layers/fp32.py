"""A layer applied in its own dtype with an fp32 result."""
from __future__ import annotations

from torch import Tensor, nn


def project_fp32(layer: nn.Module, x: Tensor) -> Tensor:
    """``layer(x)`` in the layer's own dtype, returned in fp32.

    Losses and scorers compute in fp32, but their layers may be bf16:
    DeepSpeed's bf16 mode casts the whole module without autocast, and a
    bf16 ``Linear`` refuses fp32 inputs.

    Args:
        layer: A module with a ``weight`` (e.g. ``nn.Linear``).
        x: Its input, any float dtype.

    Returns:
        The output as fp32.
    """
    return layer(x.to(layer.weight.dtype)).float()
