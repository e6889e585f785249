"""Pre-extracted video features as the video tokens (Table V baseline).

The features are read by the dataset transform
:class:`mcg.datasets.transforms.features.LoadVideoFeatures` and moved to the
device unnormalised by
:class:`mcg.models.data_preprocessor.VideoFeaturePreprocessor`; this encoder
turns the (B, T, D, H, W) features into (B, 1 + T*H*W, embed_dims) tokens.

It is also the minimal example of a non-TimeSformer video encoder: anything
deriving :class:`BaseVideoEncoder` that returns (B, L, embed_dims) with a
summary token first plugs into the model.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mcg.layers.transformer_block import TransformerBlock
from mcg.registry import MODELS
from .base import BaseVideoEncoder


@MODELS.register_module()
class OfflineFeatureEncoder(BaseVideoEncoder):
    """Video tokens from pre-extracted features (no trainable backbone).

    Each feature vector is layer-normalised and projected to
    ``embed_dims``; a learned time embedding is added, and a summary token
    (learned token + mean of the features) is put first, as the model's
    ``x_cls``. Optional self-attention blocks add temporal context; the
    default (0 blocks) keeps the baseline a pure "offline features" one.

    Args:
        in_dims: Width of the stored features (2048 for ResNet pool5).
        embed_dims: Output width (the fusor's ``video_dims``).
        num_frames: T the time embedding is sized for (others interpolate).
        num_layers: Self-attention blocks over the tokens.
        num_heads: Heads of those blocks.
        dropout: Dropout of the projection (and of the blocks).
        init_cfg: MMEngine init config.
    """

    def __init__(self, in_dims: int = 2048, embed_dims: int = 768,
                 num_frames: int = 8, num_layers: int = 0,
                 num_heads: int = 12, dropout: float = 0.1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.embed_dims = embed_dims
        self.in_dims = in_dims
        self.proj = nn.Sequential(nn.LayerNorm(in_dims),
                                  nn.Linear(in_dims, embed_dims),
                                  nn.Dropout(dropout))
        self.time_embed = nn.Parameter(torch.zeros(1, num_frames, embed_dims))
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        nn.init.normal_(self.time_embed, std=0.02)
        nn.init.normal_(self.cls_token, std=0.02)
        self.blocks = nn.ModuleList([
            TransformerBlock(embed_dims, num_heads, 4 * embed_dims, None,
                             dropout, dropout) for _ in range(num_layers)
        ])
        self.norm = nn.LayerNorm(embed_dims)

    def forward(self, video: Tensor) -> Tensor:
        """(B, T, D, H, W) features -> (B, 1 + T*H*W, embed_dims) tokens."""
        b, t, d, h, w = video.shape
        if d != self.in_dims:
            raise ValueError(f'features have width {d}, the encoder expects '
                             f'in_dims={self.in_dims}')
        x = self.proj(video.permute(0, 1, 3, 4, 2).reshape(b, t, h * w, d))
        time_embed = self.time_embed
        if t != time_embed.shape[1]:
            time_embed = F.interpolate(time_embed.transpose(1, 2), size=t,
                                       mode='linear', align_corners=False
                                       ).transpose(1, 2)
        x = (x + time_embed[:, :, None]).flatten(1, 2)
        x = torch.cat([self.cls_token + x.mean(1, keepdim=True), x], dim=1)
        for block in self.blocks:
            x = block(x)
        return self.norm(x)
