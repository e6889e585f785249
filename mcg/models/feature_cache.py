"""Per-video cache of video-encoder outputs for evaluation and inference.

At test time a video's clip is sampled deterministically and the video
encoder does not depend on the question, so the clip tokens of a video can be
computed once and reused by all its questions, also when the questions arrive
in different batches (per-question loaders such as TVQA's, ``group_by_video
=False``, or :class:`mcg.apis.VideoQAInferencer` called once per question).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Hashable, List, Optional, Sequence

import torch
from torch import Tensor


def clip_key(metainfo: dict) -> Optional[Hashable]:
    """The cache key of the clip a data sample points at, or None.

    The key is the video (path if known, else id) plus the sampled frame
    indices, so two different clips of one video (random test sampling, TVQA
    timestamps) never share an entry. Placeholder clips of unreadable videos
    (``video_error``) are never cached.

    Args:
        metainfo: A data sample's metainfo.

    Returns:
        A hashable key, or None when the clip must not be cached.
    """
    if metainfo.get('video_error'):
        return None
    video = metainfo.get('video_path') or metainfo.get('video_id')
    if video is None:
        return None
    inds = metainfo.get('frame_inds')
    if inds is not None:
        inds = tuple(int(i) for i in inds)
    return (str(video), inds)


class VideoFeatureCache:
    """A least-recently-used map from clip key to encoder output.

    Entries are detached tensors on the encoder's device. The cache holds no
    parameters and is not part of the state dict; the owner must clear it
    whenever the encoder's weights may change (see :meth:`clear`).

    Args:
        size: Maximum number of clips kept; 0 disables the cache.
    """

    def __init__(self, size: int = 32) -> None:
        if size < 0:
            raise ValueError(f'cache size must be >= 0, got {size}')
        self.size = size
        self._store: 'OrderedDict[Hashable, Tensor]' = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._store)

    def clear(self) -> None:
        """Drop every entry (weights changed, or a new run starts)."""
        self._store.clear()

    def encode(self, encoder: Callable[[Tensor], Tensor], video: Tensor,
               keys: Sequence[Optional[Hashable]]) -> Tensor:
        """Encode ``video`` row by row through the cache.

        Rows whose key is cached are taken from the cache; the others are
        encoded together in one call and stored.

        Args:
            encoder: Maps (V, T, C, H, W) clips to (V, L, D) tokens.
            video: The batch's clips, one row per distinct clip.
            keys: One key per row (None: always encode, never store).

        Returns:
            (V, L, D) clip tokens, equal to ``encoder(video)`` up to the
            batch-size dependence of the kernels.
        """
        if self.size == 0:
            return encoder(video)
        rows: List[Optional[Tensor]] = [None] * len(keys)
        # Rows to encode; a key repeated within the batch is encoded once.
        todo: List[int] = []
        first: dict = {}
        for i, key in enumerate(keys):
            hit = self._store.get(key) if key is not None else None
            if hit is not None:
                self._store.move_to_end(key)
                self.hits += 1
                rows[i] = hit
            elif key is not None and key in first:
                self.hits += 1
            else:
                if key is not None:
                    first[key] = len(todo)
                todo.append(i)
        if todo:
            self.misses += len(todo)
            if len(todo) == len(keys):
                fresh = encoder(video)
            else:
                fresh = encoder(video[torch.as_tensor(todo,
                                                      device=video.device)])
            for j, i in enumerate(todo):
                rows[i] = fresh[j]
                self._put(keys[i], fresh[j])
            for i, key in enumerate(keys):
                if rows[i] is None:  # repeat of a key encoded above
                    rows[i] = fresh[first[key]]
        return torch.stack(rows)

    def _put(self, key: Optional[Hashable], value: Tensor) -> None:
        if key is None:
            return
        # clone(): a row view would keep the whole batch's storage alive.
        self._store[key] = value.detach().clone()
        self._store.move_to_end(key)
        while len(self._store) > self.size:
            self._store.popitem(last=False)
