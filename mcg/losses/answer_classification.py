"""Cross-entropy over answer classes or answer candidates."""
from __future__ import annotations

from typing import Optional

import torch.nn.functional as F

from mcg.structures.features import LossOutput, Stages, VideoQAFeatures

from mcg.registry import MODELS
from .base import BaseMCGLoss


@MODELS.register_module()
class AnswerClassificationLoss(BaseMCGLoss):
    """Cross-entropy of the head output ``<inputs>``'s logits and targets.

    With ``inputs='cls'`` (default) it trains the K-way classifier head
    (MCG-CH): targets of ``-100`` (answers outside the K classes) are
    ignored, and a batch where every answer is outside gives 0. With
    ``inputs='choice'`` it trains multiple-choice scoring
    (:class:`~mcg.heads.VTMChoiceScorer`): a softmax over each question's
    candidate scores.

    Args:
        weight: Multiplier of the term.
        inputs: Name of the head output (``'cls'`` or ``'choice'``).
        label_smoothing: Label smoothing of the cross-entropy.
        init_cfg: MMEngine init config.
    """

    def __init__(self, weight: float = 1.0, inputs: str = 'cls',
                 label_smoothing: float = 0.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(weight, init_cfg)
        self.inputs = inputs
        self.label_smoothing = label_smoothing
        self.requires = (inputs, )

    def forward(self, features: VideoQAFeatures,
                stages: Optional[Stages] = None) -> LossOutput:
        scored = features.head_outputs[self.inputs]
        logits, targets = scored.logits.float(), scored.targets
        if not bool((targets != -100).any()):
            # Keeps the graph (DDP needs every rank to backward).
            return LossOutput(logits.sum() * 0.0, {})
        return LossOutput(F.cross_entropy(
            logits, targets, ignore_index=-100,
            label_smoothing=self.label_smoothing), {})
