"""Packing pipeline results into model inputs and data samples."""
from __future__ import annotations

from typing import Dict, Sequence

from mcg.registry import TRANSFORMS
from mcg.structures import VideoQADataSample
from .base import BaseTransform
from .loading import stack_frames


@TRANSFORMS.register_module()
class PackVideoQAInputs(BaseTransform):
    """Make ``dict(inputs=(T,C,H,W) uint8 tensor, data_samples=[...])``.

    One :class:`VideoQADataSample` is produced per entry of
    ``results['qa']`` (several when the dataset groups questions by video).

    Args:
        meta_keys: Extra per-question keys copied into the metainfo.
    """

    def __init__(self, meta_keys: Sequence[str] = ()) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: Dict) -> Dict:
        samples = []
        for qa in results['qa']:
            meta = dict(question=qa['question'],
                        question_id=qa['question_id'],
                        answer_type=qa.get('answer_type'),
                        video_id=results['video_id'],
                        # Identifies the clip for the feature cache.
                        video_path=results.get('video_path'),
                        sample_idx=results.get('sample_idx'),
                        frame_inds=results.get('frame_inds'))
            meta.update({k: qa[k] for k in self.meta_keys if k in qa})
            sample = VideoQADataSample(metainfo=meta)
            if qa.get('answer') is not None:
                sample.gt_answer = qa['answer']
            if qa.get('candidates') is not None:
                sample.candidates = qa['candidates']
            if qa.get('gt_label') is not None:
                sample.gt_label = qa['gt_label']
            samples.append(sample)
        return dict(inputs=stack_frames(results['imgs']), data_samples=samples)
