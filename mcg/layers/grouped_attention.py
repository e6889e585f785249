"""Cross-attention of many batch rows to keys/values shared by source row.

Several questions about one clip cross-attend to the same clip tokens. Rather
than copying the clip's keys and values once per question (B x M x D, ~6 GiB
at the paper setting with 40 questions), the queries of a clip's questions
are stacked along the query axis and attend to the clip's keys once:
softmax is taken per query row, so this is the same attention. Only the
queries (a few tokens per question) are rearranged.

:func:`group_rows` works out, once per batch, where each row goes;
:func:`grouped_attention` runs the attention for a layer.
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Sequence, Union

import torch
from torch import Tensor

from .attention import AUTO, attend


class RowGroups(NamedTuple):
    """Where each batch row sits in the (sources x group_size) grid.

    Attributes:
        slot: (B,) flat position ``source * group_size + rank`` of each row;
            None when the rows already are that grid in order (sorted by
            source, equally many per source), so no rearranging is needed.
        num_sources: S, rows of the shared keys/values.
        group_size: G, the most rows any source serves.
    """

    slot: Optional[Tensor]
    num_sources: int
    group_size: int


def group_rows(index: Union[Tensor, Sequence[int]], num_sources: int,
               device: Optional[torch.device] = None) -> RowGroups:
    """Group batch rows by the source row they read.

    The group size must be known on the host: from a list (or a CPU tensor)
    that costs nothing; from an accelerator tensor it reads three numbers
    back (one sync), so call it once per batch, not per layer.

    Args:
        index: (B,) source row of each batch row, a tensor or a list.
        num_sources: Number of source rows S.
        device: Where the slots go (default: ``index``'s device, CPU for a
            list).

    Returns:
        The :class:`RowGroups`.
    """
    if not isinstance(index, Tensor):
        index = torch.as_tensor(list(index), dtype=torch.long)
    device = index.device if device is None else device
    if not len(index):
        return RowGroups(None, num_sources, 0)
    counts = torch.bincount(index, minlength=num_sources)
    order = torch.argsort(index, stable=True)
    sorted_src = index[order]
    start = counts.cumsum(0) - counts
    rank = torch.arange(len(index), device=index.device) - start[sorted_src]
    stats = torch.stack([counts.max(), (order != torch.arange(
        len(index), device=index.device)).sum(), counts.min()]).tolist()
    group_size, moved, fewest = stats
    if moved == 0 and fewest == group_size:
        return RowGroups(None, num_sources, group_size)
    slot = torch.empty_like(index).scatter_(0, order,
                                            sorted_src * group_size + rank)
    return RowGroups(slot.to(device), num_sources, group_size)


def grouped_attention(q: Tensor, k: Tensor, v: Tensor, groups: RowGroups,
                      mask: Optional[Tensor] = None, dropout_p: float = 0.0,
                      impl: str = AUTO) -> Tensor:
    """Attention of per-row queries to per-source keys/values.

    Args:
        q: (B, H, Lq, d) queries, one row per batch row.
        k: (S, H, M, d) keys, one row per source.
        v: (S, H, M, dv) values.
        groups: From :func:`group_rows` for the batch's source index.
        mask: Boolean (B, 1, 1 or Lq, M) mask, True = attend.
        dropout_p: Attention dropout.
        impl: See :func:`mcg.layers.attention.attend`.

    Returns:
        (B, H, Lq, dv), equal to attending each row to its source's keys.
    """
    b, h, lq, d = q.shape
    s, g = groups.num_sources, groups.group_size
    qg = _to_grid(q, groups)                         # (S*G, H, Lq, d)
    qg = qg.view(s, g, h, lq, d).transpose(1, 2).reshape(s, h, g * lq, d)
    mg = None
    if mask is not None:
        mask = mask.expand(b, 1, lq, mask.shape[-1])
        # Padding slots attend everywhere (their output is dropped).
        mg = _to_grid(mask, groups, fill=True).reshape(s, g * lq, -1)[:, None]
    out = attend(qg, k, v, mg, dropout_p, impl=impl)    # (S, H, G*Lq, dv)
    out = out.view(s, h, g, lq, -1).transpose(1, 2).reshape(s * g, h, lq, -1)
    return out if groups.slot is None else out.index_select(0, groups.slot)


def _to_grid(x: Tensor, groups: RowGroups, fill=0) -> Tensor:
    """Rows of ``x`` placed at their slots of an (S*G, ...) grid."""
    if groups.slot is None:
        return x
    grid = x.new_full((groups.num_sources * groups.group_size,
                       *x.shape[1:]), fill)
    return grid.index_copy(0, groups.slot, x)
