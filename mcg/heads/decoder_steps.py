"""One decoding search's view of the answer generator: next-token scores."""
from __future__ import annotations

from typing import List, Optional, Protocol, Sequence

from torch import Tensor, nn

from mcg.layers.transformer_block import Memory, with_row_groups

__all__ = ['DecoderSteps', 'StepDecoder']


class StepDecoder(Protocol):
    """What a decoding search needs of a head.

    :class:`~mcg.heads.AnswerGeneratorHead` is one; naming the protocol
    instead of the head keeps this module free of the head's (which imports
    it).
    """

    blocks: Sequence[nn.Module]

    def decode_states(self, ids: Tensor, memory: Memory,
                      memory_mask: Optional[Tensor], start: int = 0,
                      caches: Optional[List[dict]] = None) -> Tensor:
        """Decoder states of ``ids`` placed at positions ``start...``."""

    def logits(self, states: Tensor) -> Tensor:
        """Vocabulary logits of decoder states."""


class DecoderSteps:
    """Next-token log-probabilities for a decoding search.

    With ``use_cache`` only the newest token runs through the blocks; their
    caches keep the self-attention keys/values of the prefix and the
    cross-attention keys/values of the memory (projected at the first step).
    Without it the whole prefix is recomputed at every step.
    """

    def __init__(self, head: StepDecoder, memory: Memory,
                 memory_mask: Tensor, use_cache: bool) -> None:
        self.head = head
        # Group shared rows once per search, not at every step.
        self.memory = with_row_groups(memory)
        self.memory_mask = memory_mask
        self.caches = [dict() for _ in head.blocks] if use_cache else None

    def __call__(self, seq: Tensor) -> Tensor:
        if self.caches is None:
            states = self.head.decode_states(seq, self.memory,
                                             self.memory_mask)
        else:
            states = self.head.decode_states(
                seq[:, -1:], self.memory, self.memory_mask,
                start=seq.shape[1] - 1, caches=self.caches)
        return self.head.logits(states[:, -1]).float().log_softmax(-1)

    def reorder(self, index: Tensor) -> None:
        if self.caches is None:
            return
        # Beams are only reordered within their question, and all beams of
        # a question share the memory, so the cached cross keys/values (and
        # their row grouping) stay valid.
        for cache in self.caches:
            cache['self_k'] = cache['self_k'].index_select(0, index)
            cache['self_v'] = cache['self_v'].index_select(0, index)
