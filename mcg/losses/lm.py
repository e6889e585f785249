"""Language-modeling loss of the answer generator (Eq. 10)."""
from __future__ import annotations

from typing import Dict

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor

from mcg.registry import MODELS
from .base import BaseMCGLoss


def data_parallel_training() -> bool:
    """Whether a multi-rank process group exists and autograd is on."""
    return (dist.is_available() and dist.is_initialized()
            and dist.get_world_size() > 1 and torch.is_grad_enabled())


def mean_tokens_per_rank(count: int, device: torch.device) -> float:
    """Target tokens per rank, averaged over the data-parallel ranks.

    DDP averages the ranks' gradients. Dividing each rank's summed token loss
    by this number (instead of its own token count) makes that average the
    gradient of the mean over *all* tokens of the global batch, as in a
    single-process run, even when ranks hold different numbers of answer
    tokens. Without a process group, or outside autograd, it is ``count``.
    """
    if not data_parallel_training():
        return float(count)
    total = torch.tensor([float(count)], device=device)
    dist.all_reduce(total)
    return total.item() / dist.get_world_size()


@MODELS.register_module()
class LanguageModelingLoss(BaseMCGLoss):
    """Token-level cross-entropy of the generated answer.

    The mean is over all answer tokens of the global batch, also under
    data-parallel training (see :func:`mean_tokens_per_rank`).

    Args:
        weight: lambda_3 of Eq. 11.
        label_smoothing: Label smoothing of the cross-entropy.
    """

    requires = ('lm_logits', 'lm_targets')

    def __init__(self, weight: float = 1.0, label_smoothing: float = 0.0,
                 init_cfg=None) -> None:
        super().__init__(weight, init_cfg)
        self.label_smoothing = label_smoothing

    def forward(self, outputs: Dict[str, Tensor]) -> Tensor:
        logits, targets = outputs['lm_logits'].float(), outputs['lm_targets']
        if not data_parallel_training():
            return F.cross_entropy(logits, targets,
                                   label_smoothing=self.label_smoothing)
        total = F.cross_entropy(logits, targets, reduction='sum',
                                label_smoothing=self.label_smoothing)
        return total / mean_tokens_per_rank(targets.numel(), logits.device)
