"""Role base classes for encoders.

Video encoders map a clip to a token sequence whose first token summarises
the clip (``x_cls`` in the paper); text encoders map token ids to hidden
states whose first token is ``[CLS]`` (``y_cls``).
"""
from __future__ import annotations

from typing import Optional

from mmengine.model import BaseModule
from torch import Tensor, nn

from mcg.registry.roles import declare_role


@declare_role('video encoder')
class BaseVideoEncoder(BaseModule):
    """Base class of video encoders.

    Subclasses set :attr:`embed_dims` and implement :meth:`forward`.
    """

    embed_dims: int

    def forward(self, video: Tensor) -> Tensor:
        """Encode a batch of clips.

        Args:
            video: (B, T, C, H, W) normalised frames.

        Returns:
            (B, L, embed_dims) tokens, token 0 summarising the clip.
        """
        raise NotImplementedError


@declare_role('text encoder')
class BaseTextEncoder(BaseModule):
    """Base class of text encoders.

    Subclasses set :attr:`embed_dims` and expose the token embedding module
    that the answer generator shares.
    """

    embed_dims: int

    def forward(self, input_ids: Tensor,
                attention_mask: Optional[Tensor] = None) -> Tensor:
        """Encode token ids.

        Args:
            input_ids: (B, L) token ids, starting with ``[CLS]``.
            attention_mask: (B, L) 1 for real tokens, 0 for padding.

        Returns:
            (B, L, embed_dims) hidden states.
        """
        raise NotImplementedError

    @property
    def embeddings(self) -> nn.Module:
        """Module mapping ``(input_ids, position_ids)`` to input embeddings,
        with a ``word_embeddings`` attribute (shared with the generator)."""
        raise NotImplementedError

    def resize_token_embeddings(self, num_tokens: int) -> None:
        """Grow the vocabulary (new special tokens such as ``[GEN]``)."""
        raise NotImplementedError
