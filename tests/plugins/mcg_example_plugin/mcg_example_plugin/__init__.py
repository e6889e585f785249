"""A third-party video encoder, registered into mcg without editing mcg."""
import torch
from torch import nn

from mcg.encoders import BaseVideoEncoder
from mcg.registry import MODELS


@MODELS.register_module()
class FramePoolVideoEncoder(BaseVideoEncoder):
    """Per-frame patch projection, average over time, plus a CLS token."""

    def __init__(self, embed_dims: int = 64, patch_size: int = 16,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.embed_dims = embed_dims
        self.proj = nn.Conv2d(3, embed_dims, patch_size, patch_size)
        self.cls = nn.Parameter(torch.zeros(1, 1, embed_dims))

    def forward(self, video):
        b, t = video.shape[:2]
        x = self.proj(video.flatten(0, 1)).flatten(2).transpose(1, 2)
        x = x.view(b, t, -1, self.embed_dims).mean(1)
        return torch.cat([self.cls.expand(b, -1, -1), x], dim=1)
