"""Collation of video-QA items into one batch."""
from __future__ import annotations

from typing import Dict, List, Sequence

import torch

from mcg.registry import FUNCTIONS


@FUNCTIONS.register_module()
def videoqa_collate(batch: Sequence[Dict]) -> Dict:
    """Stack the clips and flatten the questions of a batch.

    Each item holds one clip and a list of questions about it. The batch gets
    one clip per item and one data sample per question; a sample's
    ``video_index`` metainfo names the row of its clip, which lets the model
    encode each video once however many questions it has.

    Args:
        batch: Items from :class:`PackVideoQAInputs`.

    Returns:
        ``dict(inputs=(V, T, C, H, W) uint8, data_samples=[...])``.
    """
    clips: List[torch.Tensor] = []
    samples = []
    for item in batch:
        index = len(clips)
        clips.append(item['inputs'])
        item_samples = item['data_samples']
        if not isinstance(item_samples, (list, tuple)):
            item_samples = [item_samples]
        for sample in item_samples:
            sample.set_metainfo(dict(video_index=index))
            samples.append(sample)
    return dict(inputs=torch.stack(clips), data_samples=samples)
