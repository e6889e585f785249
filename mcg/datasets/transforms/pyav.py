"""Video opening with decord, falling back to PyAV.

decord fails on some containers and codecs that FFmpeg (through PyAV) still
reads, e.g. animated GIFs or unusual AVI files. :class:`VideoInit` tries
decord first and, when decord cannot open the file, hands
:class:`DecordDecode` a :class:`PyAVReader`, which offers the two reader
methods the pipeline uses (``len`` and ``get_batch``).
"""
from __future__ import annotations

import os
from typing import Dict, Sequence

import numpy as np

from mcg.registry import TRANSFORMS
from .base import BaseTransform
from .loading import DecordInit, VideoReadError


class _Frames:
    """Mimics decord's NDArray: ``.asnumpy()``."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def asnumpy(self) -> np.ndarray:
        return self.array


class PyAVReader:
    """Frame-indexed access to a video through PyAV.

    The frame count comes from one demux-and-decode pass (container headers
    are unreliable for the files that need this fallback); ``get_batch``
    decodes sequentially and converts only the requested frames.

    Args:
        path: Video file.
        width: Output width (squashed); -1 keeps the original.
        height: Output height; -1 keeps the original.

    Raises:
        VideoReadError: PyAV cannot open or decode the file.
    """

    def __init__(self, path: str, width: int = -1, height: int = -1) -> None:
        self.path = path
        self.width = width
        self.height = height
        self._len = sum(1 for _ in self._frames())
        if self._len < 1:
            raise VideoReadError(path, 'PyAV decoded no frames')

    def _frames(self):
        import av
        try:
            with av.open(self.path) as container:
                stream = container.streams.video[0]
                yield from container.decode(stream)
        except (av.FFmpegError, IndexError, OSError) as exc:
            raise VideoReadError(self.path, f'PyAV: {type(exc).__name__}: '
                                 f'{exc}') from exc

    def __len__(self) -> int:
        return self._len

    def get_batch(self, indices: Sequence[int]) -> _Frames:
        """Frames at ``indices`` (any order, repeats allowed), (N, H, W, 3)."""
        wanted = sorted(set(int(i) for i in indices))
        if wanted and (wanted[0] < 0 or wanted[-1] >= self._len):
            raise IndexError(f'frame indices {wanted} outside 0..{self._len}')
        found: Dict[int, np.ndarray] = {}
        for pos, frame in enumerate(self._frames()):
            if pos in wanted:
                if self.width > 0 and self.height > 0:
                    frame = frame.reformat(width=self.width,
                                           height=self.height)
                found[pos] = frame.to_ndarray(format='rgb24')
            if len(found) == len(wanted):
                break
        return _Frames(np.stack([found[int(i)] for i in indices]))


@TRANSFORMS.register_module()
class VideoInit(BaseTransform):
    """Open ``results['video_path']`` with decord, else with PyAV.

    Args:
        num_threads: decord decoding threads.
        width: Decode-time width (squashes); -1 keeps the original.
        height: Decode-time height; -1 keeps the original.
        fallback: Try PyAV when decord fails (default True).
    """

    def __init__(self, num_threads: int = 1, width: int = -1,
                 height: int = -1, fallback: bool = True) -> None:
        self.decord = DecordInit(num_threads, width, height)
        self.width = width
        self.height = height
        self.fallback = fallback

    def transform(self, results: Dict) -> Dict:
        path = results['video_path']
        try:
            return self.decord(results)
        except VideoReadError as decord_error:
            if not self.fallback or not os.path.isfile(path):
                raise
            decord_reason = decord_error.reason
        try:
            reader = PyAVReader(path, self.width, self.height)
        except VideoReadError as exc:
            raise VideoReadError(path, f'decord: {decord_reason}; '
                                 f'{exc.reason}') from exc
        results['video_reader'] = reader
        results['total_frames'] = len(reader)
        results['video_backend'] = 'pyav'
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(width={self.width}, '
                f'height={self.height}, fallback={self.fallback})')
