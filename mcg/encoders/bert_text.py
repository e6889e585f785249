"""BERT text encoder (the paper's intra-question model), wrapping transformers."""
from __future__ import annotations

import logging
from typing import Optional

from torch import Tensor, nn
from transformers import BertConfig, BertModel

from mcg.registry import MODELS
from mcg.utils.pretrained import load_or_explain, optional
from .base import BaseTextEncoder


def _drop_mean_resizing_notice(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith(
        'The new embeddings will be initialized from a multivariate normal')


@MODELS.register_module()
class BertTextEncoder(BaseTextEncoder):
    """The first ``num_layers`` layers of a Hugging Face ``BertModel``.

    Args:
        pretrained: Hub id, local directory or ``package://`` reference of a
            BERT checkpoint (``'bert-base-uncased'`` in the paper); None builds
            a randomly initialised BERT from ``config``.
        num_layers: Keep only the first layers (6 for the paper's 6+6 split);
            None keeps all of them.
        config: ``transformers.BertConfig`` keyword arguments, used for random
            init or to override fields of the pretrained config.
        gradient_checkpointing: Enable HF gradient checkpointing.
        init_cfg: MMEngine init config.
    """

    def __init__(self, pretrained: Optional[str] = None,
                 num_layers: Optional[int] = None,
                 config: Optional[dict] = None,
                 gradient_checkpointing: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        overrides = dict(config or {})
        if num_layers is not None:
            overrides['num_hidden_layers'] = num_layers
        pretrained = optional(pretrained)
        if pretrained:
            self.bert = load_or_explain(
                lambda path: BertModel.from_pretrained(
                    path, add_pooling_layer=False, **overrides),
                pretrained, 'BERT text encoder weights',
                'model.text_encoder.pretrained')
        else:
            self.bert = BertModel(BertConfig(**overrides),
                                  add_pooling_layer=False)
        if gradient_checkpointing:
            self.bert.gradient_checkpointing_enable()
        self.embed_dims = self.bert.config.hidden_size

    @property
    def embeddings(self) -> nn.Module:
        return self.bert.embeddings

    def resize_token_embeddings(self, num_tokens: int) -> None:
        """Add rows for added tokens (``[GEN]``) to the word embeddings.

        The new rows are drawn from the old rows' mean and covariance
        (transformers' ``mean_resizing``, kept: it suits a pretrained BERT).
        transformers says so in a warning on every resize, i.e. on every
        model build and inference; that one warning is dropped here.
        """
        if num_tokens > self.bert.config.vocab_size:
            logger = logging.getLogger('transformers.modeling_utils')
            logger.addFilter(_drop_mean_resizing_notice)
            try:
                self.bert.resize_token_embeddings(num_tokens)
            finally:
                logger.removeFilter(_drop_mean_resizing_notice)

    def forward(self, input_ids: Tensor,
                attention_mask: Optional[Tensor] = None) -> Tensor:
        return self.bert(input_ids=input_ids,
                         attention_mask=attention_mask).last_hidden_state
