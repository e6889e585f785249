"""Move a collated batch to the device: frames normalised, pre-extracted
features as float."""
from __future__ import annotations

from typing import Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from mcg.registry import MODELS

#: CLIP statistics, used by ALPRO and MCG.
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@MODELS.register_module()
class VideoQADataPreprocessor(BaseDataPreprocessor):
    """uint8 (B, T, C, H, W) video -> normalised float, on the model device.

    Args:
        mean: Per-channel mean in [0, 1] units.
        std: Per-channel std in [0, 1] units.
    """

    def __init__(self, mean: Sequence[float] = CLIP_MEAN,
                 std: Sequence[float] = CLIP_STD) -> None:
        super().__init__()
        self.register_buffer('mean', torch.tensor(mean).view(1, 1, 3, 1, 1)
                             * 255, persistent=False)
        self.register_buffer('std', torch.tensor(std).view(1, 1, 3, 1, 1)
                             * 255, persistent=False)

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        video = data['inputs']
        if video.dim() != 5:
            raise ValueError('expected video of shape (B, T, C, H, W), got '
                             f'{tuple(video.shape)}')
        data['inputs'] = (video.float() - self.mean) / self.std
        return data


@MODELS.register_module()
class VideoFeaturePreprocessor(BaseDataPreprocessor):
    """(B, T, D, H, W) pre-extracted features to the model device as float32.

    The counterpart of :class:`VideoQADataPreprocessor` for the features of
    ``LoadVideoFeatures`` (Table V baseline): no pixel normalisation.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        feats = data['inputs']
        if feats.dim() != 5:
            raise ValueError('expected features of shape (B, T, D, H, W), '
                             f'got {tuple(feats.shape)}')
        data['inputs'] = feats.float()
        return data
