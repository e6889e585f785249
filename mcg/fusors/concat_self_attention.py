"""ALPRO / official-MCG fusion: BERT self-attention over [question ; video].

The official MCG code (and ALPRO before it) has no cross-attention fusor: it
concatenates the question states and the video tokens and runs BERT layers
over the joint sequence (``mode='fusion'``). This fusor reproduces that
arrangement so the official layout is a config swap:

* own layers (default): ``num_layers`` BERT-layout blocks initialised from
  the last ``num_layers`` layers of a BERT checkpoint (ALPRO: layers 6-11 after
  a 6-layer text encoder; official MCG: a copy of all 12);
* shared layers (``share_text_encoder=True``): the official MCG code runs the
  text encoder's own 12 layers a second time. The fusor then holds no
  parameters and runs the text encoder's layers (its ``BertModel`` modules, so
  every update is shared), once :meth:`bind` has handed it the text encoder.

Either way the blocks run through mcg's SDPA
:class:`~mcg.layers.transformer_block.TransformerBlock`. The first output
token is the question's ``[CLS]`` (the official code's ``[ENC]``), which plays
the role of ``[FUS]``.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from mcg.layers.attention import AUTO
from mcg.layers.transformer_block import (Memory, TransformerBlock,
                                          padding_mask)
from mcg.registry import MODELS
from mcg.utils.pretrained import optional
from mcg.weights.bert import init_bert_style, load_bert_layers
from .base import BaseFusor


def materialise_memory(memory: Memory) -> Tensor:
    """Turn a tensor or a list of shared :class:`MemoryPart` into (B, M, D)."""
    if isinstance(memory, Tensor):
        return memory
    parts = [p.states if p.index is None else p.states.index_select(0, p.index)
             for p in memory]
    return torch.cat(parts, dim=1)


def bert_layer_view(layer: nn.Module, num_heads: int,
                    attn_dropout: float,
                    attn_impl: str = AUTO) -> TransformerBlock:
    """A :class:`TransformerBlock` running an HF ``BertLayer``'s own modules.

    The block is built on the meta device and its parameter-holding
    submodules are replaced by the layer's, so nothing is allocated and every
    parameter is the layer's (BERT's ``attention.output`` and ``output``
    sub-layers compute exactly :class:`ResidualNorm`).

    Args:
        layer: A ``transformers`` ``BertLayer`` without cross-attention.
        num_heads: Its attention heads.
        attn_dropout: Its attention-probability dropout.
        attn_impl: Attention implementation of the view.

    Returns:
        The view (not registered anywhere; the caller keeps it).
    """
    dims = layer.attention.self.query.in_features
    ffn = layer.intermediate.dense.out_features
    with torch.device('meta'):
        block = TransformerBlock(dims, num_heads, ffn, None, 0.0, attn_dropout,
                                 attn_impl=attn_impl)
    block.self_attn.query = layer.attention.self.query
    block.self_attn.key = layer.attention.self.key
    block.self_attn.value = layer.attention.self.value
    block.self_out = layer.attention.output
    block.intermediate = layer.intermediate.dense
    block.output = layer.output
    return block


@MODELS.register_module()
class ConcatSelfAttentionFusor(BaseFusor):
    """BERT layers over the concatenation of question states and video tokens.

    Args:
        embed_dims: Width of the question states and of the output.
        video_dims: Width of the video tokens; if it differs from
            ``embed_dims`` a linear projection is added (the official model
            has none: both are 768).
        num_layers: Own blocks (ignored with ``share_text_encoder``).
        num_heads: Attention heads.
        ffn_dims: Feed-forward width.
        dropout: Hidden and attention dropout.
        pretrained: BERT checkpoint for the own blocks; None = random init.
        pretrained_layers: BERT layers copied into the blocks; None takes the
            last ``num_layers`` of a 12-layer BERT (6-11 for 6 blocks as in
            ALPRO, 0-11 for 12 blocks as in official MCG).
        share_text_encoder: Run the text encoder's layers instead of own
            blocks (official MCG). Needs :meth:`bind`.
        attn_impl: Attention implementation (``'auto'``: by device and
            dtype, see :mod:`mcg.layers.attention`).
        gradient_checkpointing: Recompute each block in backward.
        init_cfg: MMEngine init config.
    """

    def __init__(self, embed_dims: int = 768, video_dims: int = 768,
                 num_layers: int = 12, num_heads: int = 12,
                 ffn_dims: int = 3072, dropout: float = 0.1,
                 pretrained: Optional[str] = None,
                 pretrained_layers: Optional[Sequence[int]] = None,
                 share_text_encoder: bool = False,
                 attn_impl: str = AUTO, gradient_checkpointing: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.embed_dims = embed_dims
        self.attn_impl = attn_impl
        self.gradient_checkpointing = gradient_checkpointing
        self.share_text_encoder = share_text_encoder
        self.video_proj = (nn.Linear(video_dims, embed_dims)
                           if video_dims != embed_dims else nn.Identity())
        own = 0 if share_text_encoder else num_layers
        self.blocks = nn.ModuleList([
            TransformerBlock(embed_dims, num_heads, ffn_dims, None, dropout,
                             dropout, attn_impl=attn_impl)
            for _ in range(own)
        ])
        self.apply(init_bert_style)
        self.pretrained = None if share_text_encoder else optional(pretrained)
        if pretrained_layers is None:
            pretrained_layers = range(max(12 - own, 0), 12)
        self.pretrained_layers = list(pretrained_layers)[:own]
        # A list keeps the shared layers out of this module's state dict.
        self._shared: List[TransformerBlock] = []

    def bind(self, text_encoder: nn.Module) -> None:
        """Share the text encoder's layers (with ``share_text_encoder``).

        Args:
            text_encoder: A :class:`~mcg.encoders.BertTextEncoder`.

        Raises:
            TypeError: The encoder is not a BERT wrapper or its width differs.
        """
        if not self.share_text_encoder:
            return
        bert = getattr(text_encoder, 'bert', None)
        if bert is None or not hasattr(bert, 'encoder'):
            raise TypeError('share_text_encoder needs a BertTextEncoder, got '
                            f'{type(text_encoder).__name__}')
        cfg = bert.config
        if cfg.hidden_size != self.embed_dims or cfg.hidden_act != 'gelu':
            raise TypeError(
                f'cannot share a BERT with hidden_size {cfg.hidden_size} and '
                f'hidden_act {cfg.hidden_act!r}: the fusor has embed_dims '
                f"{self.embed_dims} and mcg blocks use exact 'gelu'")
        self._shared = [
            bert_layer_view(layer, cfg.num_attention_heads,
                            cfg.attention_probs_dropout_prob, self.attn_impl)
            for layer in bert.encoder.layer
        ]

    def init_weights(self) -> None:
        super().init_weights()
        if self.pretrained and len(self.blocks):
            load_bert_layers(self, self.pretrained, self.pretrained_layers,
                             'model.fusor.pretrained')

    def layers(self) -> List[TransformerBlock]:
        """The blocks this fusor runs (own, or the bound text encoder's)."""
        if not self.share_text_encoder:
            return list(self.blocks)
        if not self._shared:
            raise RuntimeError(
                'ConcatSelfAttentionFusor(share_text_encoder=True) was not '
                'bound: the model must call fusor.bind(text_encoder) after '
                'building both')
        for block in self._shared:
            # The views are unregistered, so train()/eval() must be relayed.
            block.train(self.training)
        return self._shared

    def forward(self, text: Tensor, text_mask: Tensor, video: Memory,
                video_mask: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        video = self.video_proj(materialise_memory(video)).to(text.dtype)
        if video_mask is None:
            video_mask = text_mask.new_ones(video.shape[:2])
        x = torch.cat([text, video], dim=1)
        mask = torch.cat([text_mask, video_mask.to(text_mask.dtype)], dim=1)
        attn_mask = padding_mask(mask)
        recompute = (self.gradient_checkpointing and self.training
                     and torch.is_grad_enabled())
        for block in self.layers():
            x = (checkpoint(block, x, attn_mask, use_reentrant=False)
                 if recompute else block(x, attn_mask))
        return x, mask
