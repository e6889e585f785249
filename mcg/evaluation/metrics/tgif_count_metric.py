"""TGIF-QA Count: mean squared error of the predicted count.

As in ClipBERT/MCG, predictions are rounded and clamped to 1..10. A
prediction that is not a number (or whose video was unreadable) gets the
worst squared error reachable inside that range, so it can never help.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mcg.registry import METRICS
from .anetqa_metric import format_table
from .breakdown import flatten, group_by_item, unreadable_report

COUNT_RANGE = (1, 10)
_WORDS = dict(one=1, two=2, three=3, four=4, five=5, six=6, seven=7, eight=8,
              nine=9, ten=10)
FIELDS = ('question_id', 'pred_answer', 'gt_answer', 'video_id',
          'video_error')


def parse_count(text: Optional[str]) -> Optional[int]:
    """``'3'``, ``'3.4'`` or ``'three'`` -> clamped int; else None."""
    if text is None:
        return None
    text = str(text).strip().lower()
    if text in _WORDS:
        value = float(_WORDS[text])
    elif re.fullmatch(r'[-+]?\d+(\.\d*)?', text):
        value = float(text)
    else:
        return None
    return int(min(max(round(value), COUNT_RANGE[0]), COUNT_RANGE[1]))


@METRICS.register_module()
class TGIFCountMetric(BaseMetric):
    """MSE (lower is better) and exact-count accuracy for TGIF-QA Count.

    Args:
        collect_device: ``'cpu'`` or ``'gpu'``.
        prefix: Metric key prefix (default ``tgif_count``).
    """

    default_prefix = 'tgif_count'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        self.results.extend(group_by_item(data_samples, FIELDS))

    def compute_metrics(self, results: List[List[dict]]) -> Dict:
        records = flatten(results)
        errors, hits, unparsable = [], 0, 0
        for rec in records:
            truth = int(rec['gt_answer'])
            pred = None if rec.get('video_error') else parse_count(
                rec.get('pred_answer'))
            if pred is None:
                unparsable += not rec.get('video_error')
                worst = max(abs(truth - b) for b in COUNT_RANGE)
                errors.append(float(worst**2))
                continue
            errors.append(float((pred - truth)**2))
            hits += pred == truth
        metrics: Dict = {}
        if records:
            metrics = dict(MSE=sum(errors) / len(errors),
                           Acc=100.0 * hits / len(records))
        integrity, message = unreadable_report(records)
        logger = MMLogger.get_current_instance()
        logger.info('\n' + format_table(
            metrics, title=f'TGIF-QA Count, {len(records)} questions '
            '(MSE lower is better, Acc in %)'))
        if unparsable:
            logger.warning(f'{unparsable} prediction(s) are not counts; '
                           'scored with the worst error in 1..10')
        if message:
            logger.warning(message)
        metrics.update(integrity)
        return metrics
