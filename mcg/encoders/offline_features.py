"""Pre-extracted video features as the video tokens (Table V baseline).

The paper's ablation baseline replaces the end-to-end video encoder (JUM)
with an offline feature extractor. Here the extractor's output is read from
disk, one file per video, and flows through the standard data path as a
"video" whose frames are feature maps:

* :class:`LoadVideoFeatures` (pipeline step, replaces decoding) reads
  ``<feature_dir>/<video_id>.npy`` (or ``.npz``/``.pt``), an array of shape
  (N, D) (one vector per time step, e.g. ResNet pool5 per second) or
  (N, H, W, D) (a feature grid per time step), resamples the N steps to T
  segments by averaging, and stores them as ``results['imgs']`` in the
  (T, H, W, C) layout of decoded frames. ``PackVideoQAInputs`` and the
  collate function then yield (B, T, D, H, W) float inputs.
* :class:`VideoFeaturePreprocessor` moves them to the device as float,
  without the pixel normalisation of ``VideoQADataPreprocessor``.
* :class:`OfflineFeatureEncoder` projects each feature to the model width,
  adds a time embedding and a summary token: (B, 1 + T*H*W, embed_dims).

It is also the minimal example of a non-TimeSformer video encoder: anything
deriving :class:`BaseVideoEncoder` that returns (B, L, embed_dims) with a
summary token first plugs into the model.
"""
from __future__ import annotations

import os
from typing import Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor
from torch import Tensor, nn

from mcg.datasets.transforms.base import BaseTransform
from mcg.datasets.transforms.loading import VideoReadError
from mcg.layers.transformer_block import TransformerBlock
from mcg.registry import MODELS, TRANSFORMS
from .base import BaseVideoEncoder


def load_feature_file(path: str) -> np.ndarray:
    """Read one video's features (.npy, .npz first array, or .pt tensor)."""
    if path.endswith('.npy'):
        return np.load(path)
    if path.endswith('.npz'):
        with np.load(path) as data:
            return data[data.files[0]]
    if path.endswith('.pt'):
        return torch.load(path, map_location='cpu').numpy()
    raise ValueError(f'unsupported feature file {path} (.npy, .npz, .pt)')


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
    """Read a video's pre-extracted features instead of decoding frames.

    Args:
        feature_dir: Folder of the feature files.
        num_segments: T, time steps kept (averaged segments).
        name_templates: File names tried in order, formatted with the
            item's ``video_id``.
    """

    def __init__(self, feature_dir: str, num_segments: int = 8,
                 name_templates: Sequence[str] = ('{video_id}.npy',
                                                  'v_{video_id}.npy',
                                                  '{video_id}.npz',
                                                  '{video_id}.pt')) -> None:
        self.feature_dir = feature_dir
        # ``num_frames``: read by the test-time guard to shape placeholders.
        self.num_segments = self.num_frames = num_segments
        self.name_templates = tuple(name_templates)

    def find(self, video_id: str) -> str:
        """Path of the first existing feature file of ``video_id``."""
        for tmpl in self.name_templates:
            path = os.path.join(self.feature_dir, tmpl.format(
                video_id=video_id))
            if os.path.isfile(path):
                return path
        raise VideoReadError(
            os.path.join(self.feature_dir, self.name_templates[0].format(
                video_id=video_id)), 'feature file not found')

    def transform(self, results: Dict) -> Dict:
        path = self.find(str(results['video_id']))
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
        results['video_path'] = path
        return results


@MODELS.register_module()
class VideoFeaturePreprocessor(BaseDataPreprocessor):
    """(B, T, D, H, W) features to the model device as float32, unchanged."""

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        feats = data['inputs']
        if feats.dim() != 5:
            raise ValueError('expected features of shape (B, T, D, H, W), '
                             f'got {tuple(feats.shape)}')
        data['inputs'] = feats.float()
        return data


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
