"""Still images as clips (the paper's image-to-video CC3M)."""
from __future__ import annotations

from typing import Dict

import numpy as np

from mcg.datasets.transforms.base import BaseTransform
from mcg.datasets.transforms.loading import VideoReadError
from mcg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadImageAsClip(BaseTransform):
    """Read ``results['image_path']`` and repeat it as ``num_frames`` frames.

    Produces ``imgs`` (T, H, W, 3) uint8 RGB, like a decoded video, so the
    rest of a video pipeline (resize, packing) applies unchanged.

    Args:
        num_frames: Frames of the static clip (the video pipeline's count).
    """

    def __init__(self, num_frames: int) -> None:
        if num_frames < 1:
            raise ValueError(f'num_frames must be >= 1, got {num_frames}')
        self.num_frames = num_frames

    def transform(self, results: Dict) -> Dict:
        import cv2
        path = results['image_path']
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise VideoReadError(path, 'image missing or unreadable')
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        results['imgs'] = np.repeat(img[None], self.num_frames, axis=0)
        results['frame_inds'] = np.zeros(self.num_frames, dtype=np.int64)
        results['video_path'] = path
        results['img_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(num_frames={self.num_frames})'
