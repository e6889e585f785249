"""Multiple-choice accuracy: NExT-QA (Table IV layout), TVQA (Table IX),
TGIF-QA action/transition.

A question is right when the model's ``pred_label`` equals ``gt_label`` and
its video was readable. Only ``pred_label`` is read: how the model scores the
candidates is the answer head's business.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mcg.registry import METRICS
from .anetqa_metric import format_table
from .breakdown import (NEXTQA_DETAIL_LAYOUT, breakdown, flatten, get_layout,
                        group_by_item, unreadable_report)

FIELDS = ('question_id', 'pred_label', 'gt_label', 'answer_type', 'video_id',
          'video_error')


def label_correct(rec: dict) -> bool:
    """``pred_label == gt_label`` for a readable video."""
    if rec.get('video_error') or rec.get('pred_label') is None:
        return False
    return int(rec['pred_label']) == int(rec['gt_label'])


@METRICS.register_module()
class MultipleChoiceQAMetric(BaseMetric):
    """Multiple-choice accuracy per question type.

    Args:
        layout: ``'nextqa'`` (Acc@C, Acc@T with TP in TN, Acc@D, Acc@All;
            also logs ``eval_mc.py``'s per-type lines), ``'tvqa'`` or
            ``'plain'`` (one accuracy).
        dataset_name: Title of the logged table.
        collect_device: ``'cpu'`` or ``'gpu'``.
        prefix: Metric key prefix (default ``mcqa``).
    """

    default_prefix = 'mcqa'

    def __init__(self, layout: str = 'plain',
                 dataset_name: str = 'Multiple-choice QA',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.layout_name = layout
        self.layout = get_layout(layout)
        self.dataset_name = dataset_name

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        self.results.extend(group_by_item(data_samples, FIELDS))

    def compute_metrics(self, results: List[List[dict]]) -> Dict:
        logger = MMLogger.get_current_instance()
        everything = flatten(results)
        records = [r for r in everything if r.get('gt_label') is not None]
        if len(records) < len(everything):
            logger.warning(
                f'{len(everything) - len(records)} question(s) have no '
                'gt_label (an unlabelled split such as TVQA test-public, '
                'scored by its server) and are not counted')
        missing = sum(r.get('pred_label') is None and not r.get('video_error')
                      for r in records)
        if missing:
            logger.warning(f'{missing} question(s) have no pred_label (the '
                           'model did not score the candidates); counted as '
                           'wrong')
        layout = self.layout
        acc, _ = breakdown(records, layout, label_correct)
        table = {layout.acc_key.format(col=c): v for c, v in acc.items()}
        # Listed even when unlabelled: the user must know what was not seen.
        integrity, message = unreadable_report(everything)
        metrics: Dict = dict(table, **integrity)
        logger.info('\n' + format_table(
            table, title=f'{self.dataset_name} accuracy (%), {len(records)} '
            'questions'))
        if self.layout_name == 'nextqa' and records:
            detail, _ = breakdown(records, NEXTQA_DETAIL_LAYOUT,
                                  label_correct)
            detail.pop(NEXTQA_DETAIL_LAYOUT.total)
            logger.info('\n' + format_table(
                detail, title='per type (TP counted in Bef&Aft)'))
        if message:
            logger.warning(message)
        return metrics
