"""The paper's cross-modal fusor: self-attention, cross-attention, FFN."""
from __future__ import annotations

from functools import partial
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from mcg.layers.attention import AUTO
from mcg.layers.transformer_block import (Memory, TransformerBlock,
                                          padding_mask, with_row_groups)
from mcg.registry import MODELS
from mcg.utils.pretrained import optional
from mcg.weights.bert import init_bert_style, load_bert_layers
from .base import BaseFusor


@MODELS.register_module()
class CrossAttentionFusor(BaseFusor):
    """Stacked SA + CA + FFN blocks with a learnable ``[FUS]`` token.

    Args:
        embed_dims: Width of the question states (and of the output).
        video_dims: Width of the video tokens (cross-attention keys/values).
        num_layers: Number of blocks (6 in the paper).
        num_heads: Attention heads.
        ffn_dims: Feed-forward width.
        dropout: Hidden and attention dropout.
        pretrained: BERT checkpoint whose layers initialise the blocks
            (``'bert-base-uncased'``, layers 6-11 in the paper); None = random.
        pretrained_layers: Which BERT layers to copy, one per block.
        init_std: Std of the random init (BERT's 0.02 suits 768-wide models;
            narrow models trained from scratch learn faster with more).
        norm_first: Pre-norm blocks plus a final LayerNorm (for models
            trained from scratch); False = BERT's post-norm (the paper).
        attn_impl: Attention implementation (``'auto'``: by device and
            dtype, see :mod:`mcg.layers.attention`).
        gradient_checkpointing: Recompute each block in backward: the
            activations of one block instead of all, for about one more
            forward pass.
        init_cfg: MMEngine init config.
    """

    def __init__(self, embed_dims: int = 768, video_dims: int = 768,
                 num_layers: int = 6, num_heads: int = 12,
                 ffn_dims: int = 3072, dropout: float = 0.1,
                 pretrained: Optional[str] = None,
                 pretrained_layers: Sequence[int] = (6, 7, 8, 9, 10, 11),
                 init_std: float = 0.02, norm_first: bool = False,
                 attn_impl: str = AUTO, gradient_checkpointing: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if norm_first and optional(pretrained):
            raise ValueError('norm_first=True cannot load BERT layers, which '
                             'are post-norm; set pretrained=None')
        self.embed_dims = embed_dims
        self.gradient_checkpointing = gradient_checkpointing
        self.fus_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        nn.init.normal_(self.fus_token, std=0.02)
        self.blocks = nn.ModuleList([
            TransformerBlock(embed_dims, num_heads, ffn_dims, video_dims,
                             dropout, dropout, norm_first=norm_first,
                             attn_impl=attn_impl)
            for _ in range(num_layers)
        ])
        self.final_norm = (nn.LayerNorm(embed_dims, eps=1e-12)
                           if norm_first else nn.Identity())
        self.apply(partial(init_bert_style, std=init_std))
        self.pretrained = optional(pretrained)
        self.pretrained_layers = list(pretrained_layers)[:num_layers]

    def init_weights(self) -> None:
        super().init_weights()
        if self.pretrained:
            load_bert_layers(self, self.pretrained, self.pretrained_layers,
                             'model.fusor.pretrained')

    def forward(self, text: Tensor, text_mask: Tensor, video: Memory,
                video_mask: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        b = text.shape[0]
        x = torch.cat([self.fus_token.expand(b, -1, -1).to(text.dtype), text],
                      dim=1)
        mask = torch.cat([text_mask.new_ones(b, 1), text_mask], dim=1)
        attn_mask, mem_mask = padding_mask(mask), padding_mask(video_mask)
        video = with_row_groups(video)          # once, not in every block
        recompute = (self.gradient_checkpointing and self.training
                     and torch.is_grad_enabled())
        for block in self.blocks:
            if recompute:
                x = checkpoint(block, x, attn_mask, video, mem_mask,
                               use_reentrant=False)
            else:
                x = block(x, attn_mask, video, mem_mask)
        return self.final_norm(x), mask

