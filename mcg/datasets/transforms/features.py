"""Pre-extracted video features read in place of decoded frames.

The paper's Table V baseline replaces the end-to-end video encoder (JUM) with
an offline feature extractor. Its output is stored as one file per video and
found by the dataset like a video file (``video_dir='features'`` and the
feature extension); :class:`LoadVideoFeatures` then replaces opening,
sampling and decoding: it reads the item's file, an array of shape (N, D)
(one vector per time step, e.g. ResNet pool5 per second) or (N, H, W, D) (a
feature grid per time step), averages the N steps into T segments and stores
them as ``results['imgs']`` in the (T, H, W, C) layout of decoded frames.
``PackVideoQAInputs`` and the collate function then yield (B, T, D, H, W)
float inputs for ``VideoFeaturePreprocessor`` and ``OfflineFeatureEncoder``.
"""
from __future__ import annotations

import os
from typing import Dict

import numpy as np
import torch

from mcg.registry import TRANSFORMS
from .base import BaseTransform
from .loading import VideoReadError

#: File extensions :func:`load_feature_file` reads.
FEATURE_EXTS = ('.npy', '.npz', '.pt')


def load_feature_file(path: str) -> np.ndarray:
    """Read one video's features (.npy, .npz first array, or .pt tensor)."""
    if path.endswith('.npy'):
        return np.load(path)
    if path.endswith('.npz'):
        with np.load(path) as data:
            return data[data.files[0]]
    if path.endswith('.pt'):
        return torch.load(path, map_location='cpu').numpy()
    raise ValueError(f'unsupported feature file {path} ({", ".join(FEATURE_EXTS)})')


def resample_segments(feats: np.ndarray, num_segments: int) -> np.ndarray:
    """Average N time steps into ``num_segments`` equal segments.

    With fewer steps than segments, steps are repeated (nearest).

    Args:
        feats: (N, ...) features.
        num_segments: T.

    Returns:
        (T, ...) float32 features.
    """
    n = feats.shape[0]
    if n < 1:
        raise ValueError('empty feature array')
    edges = np.linspace(0, n, num_segments + 1)
    out = []
    for i in range(num_segments):
        lo = int(np.floor(edges[i]))
        hi = max(int(np.ceil(edges[i + 1])), lo + 1)
        out.append(feats[lo:min(hi, n)].mean(0))
    return np.stack(out).astype(np.float32)


@TRANSFORMS.register_module()
class LoadVideoFeatures(BaseTransform):
    """Read ``results['video_path']`` as pre-extracted features.

    Args:
        num_segments: T, time steps kept (averaged segments).
    """

    def __init__(self, num_segments: int = 8) -> None:
        # ``num_frames``: read by the test-time guard to shape placeholders.
        self.num_segments = self.num_frames = num_segments

    def transform(self, results: Dict) -> Dict:
        path = results['video_path']
        if not os.path.isfile(path):
            raise VideoReadError(path, 'feature file not found')
        try:
            feats = load_feature_file(path)
        except Exception as exc:
            raise VideoReadError(path, f'{type(exc).__name__}: {exc}') from exc
        if feats.ndim == 2:
            feats = feats[:, None, None, :]
        if feats.ndim != 4:
            raise VideoReadError(path, 'expected (N, D) or (N, H, W, D) '
                                 f'features, got shape {feats.shape}')
        results['imgs'] = resample_segments(feats, self.num_segments)
        results['frame_inds'] = np.arange(self.num_segments)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(num_segments={self.num_segments})'
