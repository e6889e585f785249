"""Role base class of cross-modal fusors."""
from __future__ import annotations

from typing import Optional, Tuple

from mmengine.model import BaseModule
from torch import Tensor

from mcg.registry.roles import declare_role


@declare_role('fusor')
class BaseFusor(BaseModule):
    """Fuses question states with video tokens.

    The first output token is the ``[FUS]`` token carrying the fused result
    (used by the VTM and classifier heads).
    """

    embed_dims: int

    def forward(self, text: Tensor, text_mask: Tensor, video,
                video_mask: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """Fuse.

        Args:
            text: (B, Lt, Dt) question states.
            text_mask: (B, Lt) 1 for tokens, 0 for padding.
            video: (B, Lv, Dv) video tokens, or a list of
                :class:`~mcg.layers.transformer_block.MemoryPart` (clips
                shared by several questions).
            video_mask: Optional (B, Lv) mask.

        Returns:
            Fused states (B, L, D) with ``[FUS]`` first, and their (B, L) mask.
        """
        raise NotImplementedError
