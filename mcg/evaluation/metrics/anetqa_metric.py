"""ActivityNet-QA accuracy per type code, Free and All (the paper's Table II)."""
from __future__ import annotations

from collections import OrderedDict
from itertools import groupby
from typing import Dict, List, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mcg.datasets.anetqa import ANETQA_TYPES
from mcg.utils.text import normalize_answer
from mcg.registry import METRICS
from .breakdown import dedupe, unreadable_report

#: Type codes pooled into "Free" (Yes/No .. Other).
FREE_TYPES = (3, 4, 5, 6, 7, 8)


def is_correct(pred: Optional[str], answer: str, mode: str) -> bool:
    """Exact match (``strict``) or match after :func:`normalize_answer`."""
    if pred is None:
        return False
    if mode == 'strict':
        return pred == answer
    return normalize_answer(pred) == normalize_answer(answer)


def anetqa_accuracy(records: Sequence[dict], mode: str = 'normalized'
                    ) -> 'OrderedDict[str, float]':
    """Accuracy (in %) per type, Free and All.

    Args:
        records: Dicts with ``question_id``, ``pred_answer``, ``gt_answer`` and
            ``answer_type`` (int 0-8). Duplicated ids count once.
        mode: ``'strict'`` or ``'normalized'``.

    Returns:
        Ordered ``{type name: acc, ..., 'Free': acc, 'All': acc}``; types with
        no question are left out (not reported as 0).
    """
    if mode not in ('strict', 'normalized'):
        raise ValueError(f"mode must be 'strict' or 'normalized', got {mode!r}")
    records = dedupe(records)
    correct = [0] * len(ANETQA_TYPES)
    total = [0] * len(ANETQA_TYPES)
    for rec in records:
        t = int(rec['answer_type'])
        total[t] += 1
        # A question whose video could not be read is wrong whatever the
        # model answered on the placeholder clip.
        correct[t] += (not rec.get('video_error')) and is_correct(
            rec.get('pred_answer'), rec['gt_answer'], mode)
    out: 'OrderedDict[str, float]' = OrderedDict()
    for t, name in enumerate(ANETQA_TYPES):
        if total[t]:
            out[name] = 100.0 * correct[t] / total[t]
    free_n = sum(total[t] for t in FREE_TYPES)
    if free_n:
        out['Free'] = 100.0 * sum(correct[t] for t in FREE_TYPES) / free_n
    if records:
        out['All'] = 100.0 * sum(correct) / sum(total)
    return out


def format_table(acc: Dict[str, float], counts: Optional[Dict] = None,
                 title: str = '') -> str:
    """Render ``{column: acc}`` as a two-row text table."""
    names = list(acc)
    widths = [max(len(n), 6) for n in names]
    head = ' | '.join(n.rjust(w) for n, w in zip(names, widths))
    row = ' | '.join(f'{acc[n]:.2f}'.rjust(w) for n, w in zip(names, widths))
    lines = [title] if title else []
    lines += [head, '-' * len(head), row]
    return '\n'.join(lines)


@METRICS.register_module()
class ActivityNetQAMetric(BaseMetric):
    """Open-ended accuracy in the layout of the paper's Table II.

    Results are stored one entry per dataset item (``sample_idx``), which is
    what MMEngine's cross-rank collection assumes, even when an item holds
    all the questions of a video.

    Args:
        mode: ``'normalized'`` (case, whitespace, trailing ``?``/``.``) or
            ``'strict'`` (exact string, as the official script).
        collect_device: ``'cpu'`` or ``'gpu'``.
        prefix: Metric key prefix (default ``anetqa``).
    """

    default_prefix = 'anetqa'

    def __init__(self, mode: str = 'normalized', collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if mode not in ('strict', 'normalized'):
            raise ValueError(f'unknown mode {mode!r}')
        self.mode = mode

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        def key(s):
            return s.get('sample_idx', s['question_id'])

        for _, group in groupby(data_samples, key=key):
            self.results.append([
                dict(question_id=s['question_id'], question=s['question'],
                     pred_answer=s.get('pred_answer'),
                     gt_answer=s['gt_answer'], answer_type=s['answer_type'],
                     video_id=s.get('video_id'),
                     video_error=s.get('video_error'))
                for s in group
            ])

    def compute_metrics(self, results: List[List[dict]]) -> Dict[str, float]:
        records = [r for item in results for r in item]
        acc = anetqa_accuracy(records, self.mode)
        n = len(dedupe(records))
        logger = MMLogger.get_current_instance()
        logger.info(
            '\n' + format_table(acc, title=f'ActivityNet-QA accuracy (%), '
                                f'{n} questions, {self.mode} match'))
        integrity, message = unreadable_report(dedupe(records))
        if message:
            logger.warning(message)
        return dict(acc, **integrity)
