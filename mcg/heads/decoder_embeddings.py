"""The answer generator's own input embeddings (the official decoder's).

The paper's generator reads the text encoder's word and position embeddings
and ties its LM head to those word embeddings. The official MCG code's
decoder (BLIP's ``med.py`` ``BertLMHeadModel``) has embeddings of its own:
word + absolute position, LayerNorm, dropout (no token types), with its LM
head tied to *its* word embeddings. :class:`DecoderEmbeddings` is that
module for :class:`~mcg.heads.AnswerGeneratorHead` (``own_embeddings=True``,
used by the official-layout variant); converted official checkpoints fill it
from ``text_decoder.bert.embeddings.*`` (:mod:`mcg.weights.official`).
"""
from __future__ import annotations

import copy
from typing import Optional

from torch import Tensor, nn


class DecoderEmbeddings(nn.Module):
    """Word and position embeddings owned by the generator.

    Built empty; :meth:`bind` creates the parameters as a copy of the text
    encoder's embeddings (after the vocabulary has grown by ``[GEN]``), so
    they start where the shared ones would (BERT's rows when the text encoder
    is pretrained) and then train separately. State-dict keys:
    ``word_embeddings.weight``, ``position_embeddings.weight``,
    ``LayerNorm.{weight,bias}``.

    Args:
        dropout: Dropout after the LayerNorm (the decoder's hidden dropout).
    """

    def __init__(self, dropout: float = 0.1) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.word_embeddings: Optional[nn.Embedding] = None
        self.position_embeddings: Optional[nn.Embedding] = None
        self.LayerNorm: Optional[nn.LayerNorm] = None

    def bind(self, source: nn.Module) -> None:
        """Create the parameters as copies of ``source``'s.

        Args:
            source: Embeddings with ``word_embeddings``,
                ``position_embeddings`` and ``LayerNorm`` (a ``transformers``
                ``BertEmbeddings``). Its token-type embeddings are not copied:
                the official decoder has none.
        """
        for name in ('word_embeddings', 'position_embeddings', 'LayerNorm'):
            part = copy.deepcopy(getattr(source, name))
            for p in part.parameters():
                p.requires_grad_(True)
            setattr(self, name, part)

    def forward(self, input_ids: Tensor, position_ids: Tensor) -> Tensor:
        """Embed ``input_ids`` at ``position_ids``.

        Args:
            input_ids: (B, L) token ids.
            position_ids: (1 or B, L) positions.

        Returns:
            (B, L, D) embeddings: LayerNorm(word + position), then dropout.
        """
        if self.word_embeddings is None:
            raise RuntimeError('DecoderEmbeddings were not bound: the head '
                               'creates them in bind(tokenizer, text_encoder)')
        x = self.word_embeddings(input_ids) + self.position_embeddings(
            position_ids)
        return self.dropout(self.LayerNorm(x))
