"""Videos stored as folders of pre-extracted frames (e.g. TVQA's 3 fps JPEGs).

``FrameFolderInit`` lists the frames (and can restrict them to a window of
the clip), the usual frame samplers pick indices, and ``FrameFolderDecode``
reads only the picked images.
"""
from __future__ import annotations

import os
from typing import Dict, List, Sequence

import numpy as np

from mcg.registry import TRANSFORMS
from .base import BaseTransform
from .loading import VideoReadError

IMAGE_EXTS = ('.jpg', '.jpeg', '.png')


def list_frames(folder: str, exts: Sequence[str] = IMAGE_EXTS) -> List[str]:
    """Image files of ``folder`` in frame order.

    Names are sorted by their digits when every name has some (``2.jpg``
    before ``10.jpg``), else lexicographically.
    """
    names = [n for n in os.listdir(folder) if n.lower().endswith(tuple(exts))]

    def digits(name: str) -> str:
        return ''.join(c for c in os.path.splitext(name)[0] if c.isdigit())

    if names and all(digits(n) for n in names):
        names.sort(key=lambda n: (int(digits(n)), n))
    else:
        names.sort()
    return [os.path.join(folder, n) for n in names]


@TRANSFORMS.register_module()
class FrameFolderInit(BaseTransform):
    """List the frames of the folder ``results['video_path']``.

    If ``results['frame_window']`` = ``(start, stop)`` (frame numbers, stop
    exclusive) is set, only that span is exposed to the sampler; it is
    clipped to the folder and ignored when empty after clipping.

    Args:
        exts: Accepted image extensions (case-insensitive).
    """

    def __init__(self, exts: Sequence[str] = IMAGE_EXTS) -> None:
        self.exts = tuple(e.lower() for e in exts)

    def transform(self, results: Dict) -> Dict:
        folder = results['video_path']
        if not os.path.isdir(folder):
            raise VideoReadError(folder, 'frame folder not found')
        frames = list_frames(folder, self.exts)
        if not frames:
            raise VideoReadError(folder, f'no {"/".join(self.exts)} frames')
        window = results.get('frame_window')
        if window is not None:
            start = max(0, int(window[0]))
            stop = min(len(frames), int(window[1]))
            if stop > start:
                frames = frames[start:stop]
        results['frame_paths'] = frames
        results['total_frames'] = len(frames)
        return results


@TRANSFORMS.register_module()
class FrameFolderDecode(BaseTransform):
    """Read the images at ``results['frame_inds']`` as RGB.

    Produces ``results['imgs']``: uint8 (T, H, W, 3). Frames of different
    sizes are resized to the first frame's size.

    Args:
        width: Resize at read time (squash, like decord's width); -1 keeps it.
        height: Read-time height; -1 keeps it.
    """

    def __init__(self, width: int = -1, height: int = -1) -> None:
        self.width = width
        self.height = height

    def transform(self, results: Dict) -> Dict:
        from PIL import Image
        paths = results.pop('frame_paths')
        imgs = []
        size = None
        if self.width > 0 and self.height > 0:
            size = (self.width, self.height)
        for i in np.asarray(results['frame_inds'], dtype=np.int64):
            path = paths[int(i)]
            try:
                with Image.open(path) as img:
                    img = img.convert('RGB')
                    size = size or img.size
                    if img.size != size:
                        img = img.resize(size, Image.BILINEAR)
                    imgs.append(np.asarray(img, dtype=np.uint8))
            except OSError as exc:
                raise VideoReadError(path, f'{type(exc).__name__}: {exc}'
                                     ) from exc
        results['imgs'] = np.stack(imgs)
        results['img_shape'] = results['imgs'].shape[1:3]
        return results
