"""Role base class of answer heads (generator or classifier)."""
from __future__ import annotations

from typing import Dict, List, Sequence

from mmengine.model import BaseModule
from torch import Tensor


class BaseAnswerHead(BaseModule):
    """Turns fused video-question states into answers.

    A head produces the tensors its losses consume (:meth:`loss_inputs`) and
    the answer strings at test time (:meth:`predict`). The model calls
    :meth:`bind` once after building, to hand over components a head may
    share (the tokenizer and the text encoder's embeddings).
    """

    def bind(self, tokenizer, text_encoder) -> None:
        """Receive shared components; the default ignores them."""

    def loss_inputs(self, memory: Tensor, memory_mask: Tensor,
                    data_samples: Sequence) -> Dict[str, Tensor]:
        """Compute what the configured losses need.

        Args:
            memory: (B, L, D) fused states (``[FUS]`` first).
            memory_mask: (B, L) mask of ``memory``.
            data_samples: One :class:`VideoQADataSample` per row.

        Returns:
            Named tensors for the losses; keys starting with ``acc_`` are
            logged as diagnostics.
        """
        raise NotImplementedError

    def predict(self, memory: Tensor, memory_mask: Tensor,
                data_samples: Sequence) -> List[str]:
        """Return one answer string per row."""
        raise NotImplementedError
