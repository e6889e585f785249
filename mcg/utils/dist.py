"""Collectives for contrastive losses: all-gather with gradients, any sizes.

Ranks may hold different numbers of rows (questions grouped by video give
variable batches), so the gathers exchange sizes first and pad to the
largest. Without an initialised process group every function degrades to the
single-process identity, which keeps the losses usable in tests and on one
device.
"""
from __future__ import annotations

from typing import List, Tuple

import torch
import torch.distributed as dist
from torch import Tensor


def dist_info() -> Tuple[int, int]:
    """Return ``(rank, world_size)``; ``(0, 1)`` without a process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _gather_sizes(n: int, device: torch.device) -> List[int]:
    size = torch.tensor([n], device=device, dtype=torch.long)
    sizes = [torch.zeros_like(size) for _ in range(dist.get_world_size())]
    dist.all_gather(sizes, size)
    return [int(s) for s in sizes]


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


def all_gather_with_grad(x: Tensor) -> Tuple[Tensor, int]:
    """Gather rows from all ranks, differentiably.

    Args:
        x: (n_rank, ...) rows of this rank; ``n_rank`` may differ per rank.

    Returns:
        The (sum of n_rank, ...) concatenation in rank order, and the offset
        of this rank's rows in it (the sum of the sizes of lower ranks, i.e.
        offset by the global rank, not the node-local one).
    """
    rank, world = dist_info()
    if world == 1:
        return x, 0
    sizes = _gather_sizes(x.shape[0], x.device)
    return _AllGatherWithGrad.apply(x, sizes, rank), sum(sizes[:rank])


@torch.no_grad()
def all_gather_no_grad(x: Tensor) -> Tensor:
    """Gather rows from all ranks (variable sizes), without gradients."""
    _, world = dist_info()
    if world == 1:
        return x
    return _gather_padded(x, _gather_sizes(x.shape[0], x.device))


def mean_count_per_rank(count: int, device: torch.device) -> float:
    """A per-rank count averaged over the ranks (``count`` on one process).

    DDP averages the ranks' gradients, so a loss that sums its terms and
    divides by this number has, after that average, the gradient of the mean
    over all terms of the global batch, even when ranks hold different
    numbers of terms (questions grouped by video make batches uneven).

    Args:
        count: Number of loss terms on this rank.
        device: Device for the reduction (the process group's).

    Returns:
        The mean count per rank.
    """
    _, world = dist_info()
    if world == 1:
        return float(count)
    total = torch.tensor([float(count)], device=device)
    dist.all_reduce(total)
    return total.item() / world
