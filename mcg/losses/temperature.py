"""Learnable softmax temperature shared by the contrastive losses."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn


class LearnableTemperature(nn.Module):
    """A scalar temperature, learned directly and clamped when read.

    The clamp is applied out of place on every read (the official code
    clamps the parameter in place under ``no_grad``): the stored value may
    leave the range, but the loss only ever sees a clamped one, and the
    gradient flows while the value is inside the range.

    Args:
        init: Initial value (0.07 for ICL, as in ALPRO and the official code).
        value_range: ``(min, max)`` of the value the loss sees.
        learnable: False keeps the temperature fixed at ``init``.
    """

    def __init__(self, init: float, value_range: Sequence[float] = (0.001, 0.5),
                 learnable: bool = True) -> None:
        super().__init__()
        low, high = float(value_range[0]), float(value_range[1])
        if not 0 < low <= init <= high:
            raise ValueError(f'temperature {init} outside its range '
                             f'[{low}, {high}] (or the range is not positive)')
        self.low, self.high = low, high
        # Shape (1,), not a 0-d scalar: FSDP refuses scalar parameters.
        self.value = nn.Parameter(torch.tensor([float(init)]),
                                  requires_grad=learnable)

    def forward(self) -> Tensor:
        """Return the clamped temperature (a 0-d float tensor)."""
        return self.value.float().clamp(self.low, self.high).reshape(())

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # Checkpoints written before the (1,) shape hold a 0-d value.
        key = prefix + 'value'
        if key in state_dict and state_dict[key].dim() == 0:
            state_dict[key] = state_dict[key].reshape(1)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
