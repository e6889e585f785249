"""Language-modeling loss of the answer generator (Eq. 10)."""
from __future__ import annotations

from typing import Optional, Union

import torch
import torch.distributed as dist
import torch.nn.functional as F

from mcg.registry import MODELS
from mcg.structures.features import LossOutput, Stages, VideoQAFeatures
from .base import BaseMCGLoss


def data_parallel_training() -> bool:
    """Whether a multi-rank process group exists and autograd is on."""
    return (dist.is_available() and dist.is_initialized()
            and dist.get_world_size() > 1 and torch.is_grad_enabled())


def mean_tokens_per_rank(count: int, device: torch.device
                         ) -> Union[float, torch.Tensor]:
    """Target tokens (or answers) per rank, averaged over the ranks.

    DDP averages the ranks' gradients. Dividing each rank's summed token loss
    by this number (instead of its own count) makes that average the
    gradient of the mean over *all* tokens (answers) of the global batch, as
    in a single-process run, even when ranks hold different numbers of them.
    Without a process group, or outside autograd, it is ``count``; with
    one, a 0-dim tensor that stays on the device (no host read per step).
    """
    if not data_parallel_training():
        return float(count)
    total = torch.tensor(float(count), device=device)
    dist.all_reduce(total)
    return total / dist.get_world_size()


@MODELS.register_module()
class LanguageModelingLoss(BaseMCGLoss):
    """Cross-entropy of the generated answer tokens (Eq. 10).

    Two normalisations of the summed token cross-entropies of a batch
    (answer tokens, ``[SEP]`` included):

    * ``'token_mean'``: divided by the number of tokens. The LM term is on
      the scale of one token's loss, whatever the answers' lengths.
    * ``'sequence_sum'``: divided by the number of answers, i.e. each
      answer's token losses summed (Eq. 10's ``sum_l log P(z^l | z^<l,
      x)``) and averaged over answers (the expectation); the official code
      does the same (per-sequence sum over the batch / batch size). The term
      is the batch's mean tokens per answer times ``'token_mean'``, so it
      weighs that many times more against the per-pair ICL/TCL/VTM terms of
      Eq. 11 (docs/pretraining.md).

    Under data-parallel training both are those of the *global* batch: each
    rank divides its summed loss by the mean number of tokens (or answers)
    per rank, so that DDP's gradient average is the gradient of the global
    mean (see :func:`mean_tokens_per_rank`).

    Args:
        weight: lambda_3 of Eq. 11.
        label_smoothing: Label smoothing of the cross-entropy.
        reduction: ``'token_mean'`` or ``'sequence_sum'`` (see above).
        init_cfg: MMEngine init config.
    """

    REDUCTIONS = ('token_mean', 'sequence_sum')

    def __init__(self, weight: float = 1.0, label_smoothing: float = 0.0,
                 reduction: str = 'token_mean', init_cfg=None) -> None:
        super().__init__(weight, init_cfg)
        if reduction not in self.REDUCTIONS:
            raise ValueError(f'reduction must be one of {self.REDUCTIONS}, '
                             f'got {reduction!r}')
        self.label_smoothing = label_smoothing
        self.reduction = reduction
        self.requires = ('lm', )

    def forward(self, features: VideoQAFeatures,
                stages: Optional[Stages] = None) -> LossOutput:
        tokens = features.head_outputs['lm']
        logits, targets = tokens.logits.float(), tokens.targets
        if self.reduction == 'token_mean' and not data_parallel_training():
            return LossOutput(F.cross_entropy(
                logits, targets, label_smoothing=self.label_smoothing), {})
        total = F.cross_entropy(logits, targets, reduction='sum',
                                label_smoothing=self.label_smoothing)
        if self.reduction == 'token_mean':
            count = targets.numel()
        elif tokens.num_sequences is None:
            raise ValueError("reduction='sequence_sum' needs the head's "
                             "'lm' output to give num_sequences")
        else:
            count = int(tokens.num_sequences)
        return LossOutput(total / mean_tokens_per_rank(count, logits.device),
                          {})
