"""Replacing rows of a padded batch with rows of another length."""
from __future__ import annotations

from typing import Tuple

import torch
from torch import Tensor


def pad_to(x: Tensor, length: int) -> Tensor:
    """``x`` (B, L, ...) zero-padded along dim 1 to ``length``."""
    extra = length - x.shape[1]
    if extra == 0:
        return x
    return torch.cat([x, x.new_zeros(x.shape[0], extra, *x.shape[2:])],
                     dim=1)


def replace_rows(states: Tensor, mask: Tensor, rows: Tensor,
                 new_states: Tensor, new_mask: Tensor
                 ) -> Tuple[Tensor, Tensor]:
    """``states``/``mask`` with ``rows`` taken from ``new_states``/``new_mask``.

    Both sides are padded to the longer length first (padding is masked).

    Args:
        states: (B, L, D) states.
        mask: (B, L) their mask.
        rows: (R,) rows to replace.
        new_states: (R, L2, D) replacement rows.
        new_mask: (R, L2) their mask.

    Returns:
        (B, max(L, L2), D) states and their mask.
    """
    width = max(states.shape[1], new_states.shape[1])
    out = pad_to(states, width).index_copy(
        0, rows, pad_to(new_states, width).to(states.dtype))
    out_mask = pad_to(mask, width).index_copy(
        0, rows, pad_to(new_mask, width).to(mask))
    return out, out_mask
