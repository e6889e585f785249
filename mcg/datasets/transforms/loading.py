"""Video decoding with decord: open, then decode only the sampled frames."""
from __future__ import annotations

import os
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import numpy as np
import torch

from mcg.registry import TRANSFORMS
from mcg.utils.native_stderr import captured_stderr, replay, summarize
from .base import BaseTransform


class VideoReadError(RuntimeError):
    """A video file is missing, unreadable or empty."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f'cannot read video {path}: {reason}')
        self.path = path
        self.reason = reason


class DecodedVideo:
    """All frames of a video, in memory, behind decord's reader interface.

    Args:
        frames: (T, H, W, 3) uint8 frames.
    """

    def __init__(self, frames: np.ndarray) -> None:
        self.frames = frames

    def __len__(self) -> int:
        return len(self.frames)

    def get_batch(self, indices: Sequence[int]) -> 'DecodedVideo':
        return DecodedVideo(self.frames[np.asarray(indices, dtype=np.int64)])

    def asnumpy(self) -> np.ndarray:
        return self.frames


@TRANSFORMS.register_module()
class DecordInit(BaseTransform):
    """Open ``results['video_path']`` with decord.

    Args:
        num_threads: decord decoding threads (1 is best with several workers).
        width: Resize frames at decode time (squashes, like the official
            loader); -1 keeps the original width.
        height: Decode-time height; -1 keeps the original.
        cache_size: Keep every decoded frame of up to this many videos in
            memory (per loader process, least recently used evicted), so a
            video is decoded once and later epochs sample from RAM. Meant for
            small, short clips (a ShapesQA video is 16 x 64 x 64 x 3 bytes,
            ~200 KB); 0 (default) decodes on every visit. Decoding was ~10 %
            of a demo training step on 2 CPU cores (docs/demo.md). With
            loader workers, set ``persistent_workers=True``, or the cache
            ends with the workers after each epoch.
    """

    def __init__(self, num_threads: int = 1, width: int = -1,
                 height: int = -1, cache_size: int = 0) -> None:
        if cache_size < 0:
            raise ValueError(f'cache_size must be >= 0, got {cache_size}')
        self.num_threads = num_threads
        self.width = width
        self.height = height
        self.cache_size = cache_size
        self._cache: 'OrderedDict[str, DecodedVideo]' = OrderedDict()

    def transform(self, results: Dict) -> Dict:
        path = results['video_path']
        reader = self._cache.get(path) if self.cache_size else None
        if reader is not None:
            self._cache.move_to_end(path)
        else:
            reader = self._open(path)
            if self.cache_size:
                reader = self._remember(path, reader)
        results['video_reader'] = reader
        results['total_frames'] = len(reader)
        return results

    def _open(self, path: str):
        import decord
        if not os.path.isfile(path):
            raise VideoReadError(path, 'file not found')
        try:
            # FFmpeg's and decord's own lines about a bad file go into the
            # error below instead of being printed ahead of it.
            with captured_stderr() as native:
                reader = decord.VideoReader(path, num_threads=self.num_threads,
                                            width=self.width,
                                            height=self.height)
                total = len(reader)
        except Exception as exc:  # decord raises its own DECORDError
            detail = f' (decoder: {summarize(native)})' if native else ''
            raise VideoReadError(
                path, f'{type(exc).__name__}: {exc}{detail}') from exc
        replay(native)
        if total < 1:
            raise VideoReadError(path, 'no frames')
        return reader

    def _remember(self, path: str, reader) -> DecodedVideo:
        try:
            frames = reader.get_batch(list(range(len(reader)))).asnumpy()
        except Exception as exc:
            raise VideoReadError(path, f'decoding all frames failed: '
                                 f'{type(exc).__name__}: {exc}') from exc
        video = self._cache[path] = DecodedVideo(frames)
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return video


@TRANSFORMS.register_module()
class DecordDecode(BaseTransform):
    """Decode ``results['frame_inds']`` with one ``get_batch`` call.

    Produces ``results['imgs']``: uint8 array (T, H, W, 3).
    """

    def transform(self, results: Dict) -> Dict:
        reader = results.pop('video_reader')
        inds = np.asarray(results['frame_inds'], dtype=np.int64)
        try:
            frames = reader.get_batch(inds).asnumpy()
        except Exception as exc:
            raise VideoReadError(results['video_path'],
                                 f'decoding frames {inds.tolist()} failed: '
                                 f'{type(exc).__name__}: {exc}') from exc
        results['imgs'] = frames
        results['img_shape'] = frames.shape[1:3]
        return results


@TRANSFORMS.register_module()
class VideoResize(BaseTransform):
    """Resize every frame to ``scale`` = (width, height) (no aspect keeping).

    Args:
        scale: Target (width, height) or a single int for squares.
        interpolation: cv2 interpolation name (``'bilinear'``, ``'area'``...).
    """

    def __init__(self, scale, interpolation: str = 'bilinear') -> None:
        self.scale = (scale, scale) if isinstance(scale, int) else tuple(scale)
        self.interpolation = interpolation

    def transform(self, results: Dict) -> Dict:
        import cv2
        flags = dict(bilinear=cv2.INTER_LINEAR, area=cv2.INTER_AREA,
                     bicubic=cv2.INTER_CUBIC, nearest=cv2.INTER_NEAREST)
        imgs = results['imgs']
        if imgs.shape[2] == self.scale[0] and imgs.shape[1] == self.scale[1]:
            return results
        results['imgs'] = np.stack([
            cv2.resize(f, self.scale, interpolation=flags[self.interpolation])
            for f in imgs
        ])
        results['img_shape'] = results['imgs'].shape[1:3]
        return results


def stack_frames(imgs: np.ndarray) -> 'object':
    """(T, H, W, C) uint8 numpy -> (T, C, H, W) uint8 torch tensor."""
    return torch.from_numpy(np.ascontiguousarray(imgs.transpose(0, 3, 1, 2)))


def frames_or_none(results: Dict) -> Optional[np.ndarray]:
    """Return decoded frames if present (helper for packing)."""
    return results.get('imgs')
