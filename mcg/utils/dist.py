"""Collectives for contrastive losses: all-gather with gradients, any sizes.

Ranks may hold different numbers of rows (questions grouped by video give
variable batches), so the gathers exchange sizes first and pad to the
largest. Without an initialised process group every function degrades to the
single-process identity, which keeps the losses usable in tests and on one
device.

Host reads: the sizes must reach the host (they shape the buffers), so
:func:`gather_sizes` exchanges all the sizes a loss needs in one collective
and one read per call; the counts of :func:`mean_count_per_rank` stay on the
device.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.distributed as dist
from torch import Tensor


def dist_info() -> Tuple[int, int]:
    """Return ``(rank, world_size)``; ``(0, 1)`` without a process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def gather_sizes(counts: Sequence[int], device: torch.device
                 ) -> List[List[int]]:
    """Every rank's ``counts``, in one all-gather and one host read.

    Args:
        counts: This rank's sizes (e.g. its number of clips and of texts).
        device: Device of the process group's tensors.

    Returns:
        For each entry of ``counts``, the list of that size on every rank.
    """
    mine = torch.tensor(list(counts), device=device, dtype=torch.long)
    parts = [torch.zeros_like(mine) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, mine)
    table = torch.stack(parts).cpu().tolist()     # (world, len(counts))
    return [list(column) for column in zip(*table)]


def _gather_padded(x: Tensor, sizes: List[int]) -> Tensor:
    """All-gather rows of ``x`` (first dim ``sizes[rank]``), concatenated."""
    longest = max(sizes)
    padded = x.new_zeros((longest, *x.shape[1:]))
    padded[:x.shape[0]] = x
    parts = [torch.empty_like(padded) for _ in sizes]
    dist.all_gather(parts, padded.contiguous())
    return torch.cat([p[:n] for p, n in zip(parts, sizes)], dim=0)


class _AllGatherWithGrad(torch.autograd.Function):
    """Forward: concatenate every rank's rows. Backward: the rows of this
    rank receive the sum, over ranks, of the gradients flowing into them,
    because each rank's loss reads every rank's rows."""

    @staticmethod
    def forward(ctx, x: Tensor, sizes: List[int], rank: int) -> Tensor:
        ctx.sizes, ctx.rank = sizes, rank
        return _gather_padded(x, sizes)

    @staticmethod
    def backward(ctx, grad: Tensor):
        grad = grad.contiguous()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        start = sum(ctx.sizes[:ctx.rank])
        return grad[start:start + ctx.sizes[ctx.rank]], None, None


def all_gather_with_grad(x: Tensor, sizes: Optional[List[int]] = None
                         ) -> Tuple[Tensor, int]:
    """Gather rows from all ranks, differentiably.

    Args:
        x: (n_rank, ...) rows of this rank; ``n_rank`` may differ per rank.
        sizes: Every rank's ``n_rank`` if known (:func:`gather_sizes`);
            None exchanges them first.

    Returns:
        The (sum of n_rank, ...) concatenation in rank order, and the offset
        of this rank's rows in it (the sum of the sizes of lower ranks, i.e.
        offset by the global rank, not the node-local one).
    """
    rank, world = dist_info()
    if world == 1:
        return x, 0
    if sizes is None:
        sizes = gather_sizes([x.shape[0]], x.device)[0]
    return _AllGatherWithGrad.apply(x, sizes, rank), sum(sizes[:rank])


@torch.no_grad()
def all_gather_no_grad(x: Tensor, sizes: Optional[List[int]] = None
                       ) -> Tensor:
    """Gather rows from all ranks (variable sizes), without gradients.

    Args:
        x: (n_rank, ...) rows of this rank.
        sizes: Every rank's ``n_rank`` if known; None exchanges them.
    """
    _, world = dist_info()
    if world == 1:
        return x
    if sizes is None:
        sizes = gather_sizes([x.shape[0]], x.device)[0]
    return _gather_padded(x, sizes)


def mean_count_per_rank(count: Union[int, Tensor], device: torch.device
                        ) -> Union[float, Tensor]:
    """A per-rank count averaged over the ranks (``count`` on one process).

    DDP averages the ranks' gradients, so a loss that sums its terms and
    divides by this number has, after that average, the gradient of the mean
    over all terms of the global batch, even when ranks hold different
    numbers of terms (questions grouped by video make batches uneven).

    Args:
        count: Number of loss terms on this rank (an int, or a 0-dim tensor
            counted on the device).
        device: Device for the reduction (the process group's).

    Returns:
        The mean count per rank: a float for an int count on one process,
        else a 0-dim fp32 tensor that stays on the device (no host read).
    """
    _, world = dist_info()
    if world == 1:
        return count.float() if isinstance(count, Tensor) else float(count)
    total = torch.as_tensor(count, dtype=torch.float32,
                            device=device).reshape(())
    dist.all_reduce(total)
    return total / world
