"""Write every prediction to a JSON file (``tools/test.py --dump``)."""
from __future__ import annotations

import json
import os
from itertools import groupby
from typing import Dict, List, Sequence

from mmengine.evaluator import BaseMetric

from mcg.registry import METRICS
from .breakdown import dedupe


@METRICS.register_module()
class DumpVideoQAPredictions(BaseMetric):
    """Dump ``question_id, question, prediction, answer, type`` per question.

    A question whose video could not be read gets ``video_error`` (the
    reason) and a null ``prediction``.

    Args:
        out_file: Output ``.json`` path (a list of records).
        collect_device: ``'cpu'`` or ``'gpu'``.
    """

    default_prefix = 'dump'

    def __init__(self, out_file: str, collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        if not out_file.endswith('.json'):
            raise ValueError(f'--dump expects a .json file, got {out_file}')
        self.out_file = out_file

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for _, group in groupby(
                data_samples,
                key=lambda s: s.get('sample_idx', s['question_id'])):
            self.results.append([self._record(s) for s in group])

    @staticmethod
    def _record(sample: dict) -> dict:
        record = dict(question_id=sample['question_id'],
                      question=sample['question'],
                      prediction=sample.get('pred_answer'),
                      answer=sample.get('gt_answer'),
                      type=sample.get('answer_type'),
                      video_id=sample.get('video_id'))
        if sample.get('video_error'):
            # The model saw a black placeholder clip: what it answered is
            # not a prediction about this video (the metrics count it wrong).
            record.update(prediction=None, video_error=sample['video_error'])
        return record

    def compute_metrics(self, results: List[List[dict]]) -> Dict[str, float]:
        records = dedupe(r for item in results for r in item)
        folder = os.path.dirname(os.path.abspath(self.out_file))
        os.makedirs(folder, exist_ok=True)
        with open(self.out_file, 'w', encoding='utf-8') as f:
            json.dump(records, f, indent=1)
        return {}
