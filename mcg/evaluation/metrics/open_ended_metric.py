"""Open-ended accuracy (strict or normalised) and WUPS, per question type.

Used for MSRVTT-QA and MSVD-QA (Table III layout), NExT-OE, TGIF-QA FrameQA
and any dataset whose answers are strings. Every question counts once in the
denominator (de-duplicated by question id); questions whose video could not
be read count as wrong and are listed.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mcg.registry import METRICS
from ..wordnet import wordnet_status
from ..wups import VARIANTS, wups
from .anetqa_metric import format_table, is_correct
from .breakdown import (breakdown, flatten, format_grid, get_layout,
                        group_by_item, unreadable_report)

FIELDS = ('question_id', 'pred_answer', 'gt_answer', 'answer_type',
          'video_id', 'video_error', 'extra_answers')


def references(rec: dict) -> List[str]:
    """The ground truth plus any extra reference answers."""
    return [rec['gt_answer']] + list(rec.get('extra_answers') or [])


@METRICS.register_module()
class OpenEndedQAMetric(BaseMetric):
    """Accuracy (and optionally WUPS) in a paper's per-type layout.

    Args:
        layout: ``'msrvtt'``/``'msvd'`` (What, Who, How, When, Where, All),
            ``'nextqa'`` (C, T, D, All), ``'tgif_frameqa'`` or ``'overall'``
            (All only).
        mode: ``'strict'`` (exact string, the official protocol) or
            ``'normalized'`` (case, whitespace, trailing ``?``/``.``).
        wups_thresholds: WUPS thresholds to report, e.g. ``(0.9, 0.0)``;
            empty for none. Without WordNet they are reported unavailable.
        wups_variant: ``'malinowski'`` or ``'nextoe'``
            (:func:`mcg.evaluation.wups`).
        exact_match_types: Types scored by exact match instead of WUPS
            (NExT-OE uses this for ``DC`` and ``DB``).
        dataset_name: Title of the logged table.
        collect_device: ``'cpu'`` or ``'gpu'``.
        prefix: Metric key prefix (default ``openqa``).
    """

    default_prefix = 'openqa'

    def __init__(self, layout: str = 'overall', mode: str = 'normalized',
                 wups_thresholds: Sequence[float] = (),
                 wups_variant: str = 'malinowski',
                 exact_match_types: Sequence[str] = (),
                 dataset_name: str = 'Open-ended QA',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if mode not in ('strict', 'normalized'):
            raise ValueError(f"mode must be 'strict' or 'normalized', got "
                             f'{mode!r}')
        if wups_variant not in VARIANTS:
            raise ValueError(f'wups_variant must be one of {VARIANTS}')
        self.layout = get_layout(layout)
        self.mode = mode
        self.wups_thresholds = tuple(float(t) for t in wups_thresholds)
        self.wups_variant = wups_variant
        self.exact_match_types = tuple(exact_match_types)
        self.dataset_name = dataset_name

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        self.results.extend(group_by_item(data_samples, FIELDS))

    def is_correct(self, rec: dict) -> bool:
        """Right answer to any reference, from a readable video."""
        if rec.get('video_error'):
            return False
        return any(is_correct(rec.get('pred_answer'), ref, self.mode)
                   for ref in references(rec))

    def wups_score(self, rec: dict, threshold: float) -> float:
        """Best WUPS over the references (0 for an unreadable video)."""
        if rec.get('video_error') or rec.get('pred_answer') is None:
            return 0.0
        if str(rec.get('answer_type')) in self.exact_match_types:
            return float(self.is_correct(rec))
        return max(wups(rec['pred_answer'], ref, threshold, self.wups_variant)
                   for ref in references(rec))

    def compute_metrics(self, results: List[List[dict]]) -> Dict:
        records = flatten(results)
        layout = self.layout
        acc, _ = breakdown(records, layout, lambda r: self.is_correct(r))
        metrics: Dict = {layout.acc_key.format(col=c): v
                         for c, v in acc.items()}
        rows = {'Acc': dict(acc)}
        unavailable = (wordnet_status() if self.wups_thresholds else None)
        for th in self.wups_thresholds:
            name = f'WUPS@{th:.1f}'
            if unavailable:
                rows[name] = {c: 'n/a' for c in acc}
                continue
            values, _ = breakdown(records, layout,
                                  lambda r, th=th: self.wups_score(r, th))
            rows[name] = dict(values)
            metrics.update({(name if c == layout.total else f'{name}/{c}'): v
                            for c, v in values.items()})
        integrity, message = unreadable_report(records)
        metrics.update(integrity)

        logger = MMLogger.get_current_instance()
        title = (f'{self.dataset_name} accuracy (%), {len(records)} '
                 f'questions, {self.mode} match')
        if len(rows) == 1:
            table = format_table({layout.acc_key.format(col=c): v
                                  for c, v in acc.items()}, title=title)
        else:
            title += f', WUPS variant {self.wups_variant}'
            table = format_grid(rows, list(acc), title)
        logger.info('\n' + table)
        if unavailable:
            logger.warning(f'WUPS unavailable: {unavailable}')
        if message:
            logger.warning(message)
        return metrics
