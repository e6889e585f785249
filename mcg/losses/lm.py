"""Language-modeling loss of the answer generator (Eq. 10)."""
from __future__ import annotations

from typing import Dict

import torch.nn.functional as F
from torch import Tensor

from mcg.registry import MODELS
from .base import BaseMCGLoss


@MODELS.register_module()
class LanguageModelingLoss(BaseMCGLoss):
    """Token-level cross-entropy of the generated answer.

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
        return F.cross_entropy(outputs['lm_logits'].float(),
                               outputs['lm_targets'],
                               label_smoothing=self.label_smoothing)
