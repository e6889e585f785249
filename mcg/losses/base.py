"""Role base class of mcg's training objectives."""
from __future__ import annotations

from typing import Optional, Tuple

from mmengine.model import BaseModule
from torch import Tensor

from mcg.registry.roles import declare_role

from mcg.structures.features import (LossOutput, ModelWidths, Stages,
                                     VideoQAFeatures)


@declare_role('loss')
class BaseMCGLoss(BaseModule):
    """A weighted term of the training objective (Eq. 11 of the paper).

    A loss receives the batch's :class:`~mcg.structures.VideoQAFeatures`
    and the model's :class:`~mcg.structures.Stages` as arguments of
    :meth:`forward` and returns a :class:`~mcg.structures.LossOutput` (the
    unweighted term and its ``acc_*`` diagnostics); it keeps no reference
    to the model or to other losses. A loss is switched off by setting its
    ``weight`` to 0 in the config's ``model.losses`` dict, and a new loss
    plugs in without touching the model.

    Attributes:
        requires: Fields of the features record (``'fused'``, ``'text'``,
            ...) or names of head outputs (``'lm'``, ``'cls'``,
            ``'choice'``) this loss reads; the model checks they exist.
        similarity_from: Name of another loss in ``model.losses`` whose
            ``similarity`` the model passes in ``stages.similarity`` (e.g.
            VTM's hard negatives from ICL); None needs none.
        provides_similarity: Whether :meth:`similarity` is implemented.

    Args:
        weight: Multiplier of the term; 0 skips its computation entirely.
        init_cfg: MMEngine init config.
    """

    requires: tuple = ()
    similarity_from: Optional[str] = None
    provides_similarity: bool = False

    def __init__(self, weight: float = 1.0, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.weight = float(weight)

    def set_widths(self, widths: ModelWidths) -> None:
        """Receive the model's widths once, before training.

        Losses with parameters whose sizes depend on the model (projections
        from the encoders' widths) create them here. The default does
        nothing.

        Args:
            widths: Output widths of the video/text encoders and the fusor.
        """

    def similarity(self, features: VideoQAFeatures) -> Tuple[Tensor, Tensor]:
        """``(sim (B, V), tau)`` between the batch's texts and clips."""
        raise NotImplementedError(f'{type(self).__name__} has no similarity')

    def forward(self, features: VideoQAFeatures,
                stages: Stages) -> LossOutput:
        """Return the unweighted scalar loss and its diagnostics.

        Args:
            features: What the model computed for the batch.
            stages: The model's stages this loss may run again.
        """
        raise NotImplementedError
