"""CLEVRER accuracy in the layout of the paper's Table X.

Descriptive questions: open-ended accuracy. Explanatory, predictive and
counterfactual questions arrive one data sample per choice (see
:mod:`mcg.datasets.clevrer`): per-option accuracy is right options over all
options, per-question accuracy counts a question right only when all its
options are (NS-DR's ``run_mc.py`` prints both; Table X uses per-question).

Two overalls, both reported:

* ``Overall/type_mean``: the unweighted mean of the four per-question type
  accuracies. This is the paper's Table X "Overall" (every row of the table
  satisfies it, e.g. MCG (61.6+34.2+49.2+10.5)/4 = 38.875, printed 38.8).
* ``MC_pooled`` (and ``MC_pooled/per_option``): all multiple-choice questions
  (options) of the three types pooled, descriptive excluded; the "overall
  accuracy per question (per option)" that ``run_mc.py`` prints.

``Overall`` is the one picked by ``overall`` (default: Table X's type mean).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mcg.registry import METRICS
from .anetqa_metric import is_correct
from .breakdown import flatten, format_grid, group_by_item, unreadable_report
from .mc_metric import label_correct

MC_TYPES = ('explanatory', 'predictive', 'counterfactual')
#: ``overall`` choice -> its table column.
OVERALLS = {'type_mean': 'Overall (type mean)', 'mc_pooled': 'MC pooled'}
FIELDS = ('question_id', 'mc_question_id', 'answer_type', 'pred_answer',
          'gt_answer', 'pred_label', 'gt_label', 'video_id', 'video_error')


def _percent(flags: Sequence[bool]) -> Optional[float]:
    return 100.0 * sum(flags) / len(flags) if flags else None


@METRICS.register_module()
class CLEVRERMetric(BaseMetric):
    """Descriptive, explanatory, predictive, counterfactual and overall.

    Args:
        mode: Descriptive answer matching, ``'strict'`` or ``'normalized'``.
        overall: What ``Overall`` holds: ``'type_mean'`` (mean of the four
            type accuracies, the paper's Table X) or ``'mc_pooled'`` (all
            multiple-choice questions pooled, ``run_mc.py``). Both are
            reported under their own keys either way.
        collect_device: ``'cpu'`` or ``'gpu'``.
        prefix: Metric key prefix (default ``clevrer``).
    """

    default_prefix = 'clevrer'

    def __init__(self, mode: str = 'normalized', overall: str = 'type_mean',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if mode not in ('strict', 'normalized'):
            raise ValueError(f"mode must be 'strict' or 'normalized', got "
                             f'{mode!r}')
        if overall not in OVERALLS:
            raise ValueError(f'overall must be one of {sorted(OVERALLS)}, '
                             f'got {overall!r}')
        self.mode = mode
        self.overall = overall

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        self.results.extend(group_by_item(data_samples, FIELDS))

    def descriptive_correct(self, rec: dict) -> bool:
        """Exact (or normalised) answer match for a readable video."""
        return not rec.get('video_error') and is_correct(
            rec.get('pred_answer'), rec['gt_answer'], self.mode)

    def compute_metrics(self, results: List[List[dict]]) -> Dict:
        everything = flatten(results)
        per_question: 'OrderedDict[str, Optional[float]]' = OrderedDict()
        per_option: Dict[str, Optional[float]] = {}
        per_question['Descriptive'] = _percent([
            self.descriptive_correct(r) for r in everything
            if r.get('answer_type') == 'descriptive'
            and r.get('gt_answer') is not None])
        pooled_questions: List[bool] = []
        pooled_options: List[bool] = []
        for qtype in MC_TYPES:
            options = [r for r in everything if r.get('answer_type') == qtype
                       and r.get('gt_label') is not None]
            if any(r.get('mc_question_id') is None for r in options):
                raise ValueError(
                    'CLEVRER multiple-choice samples need the mc_question_id '
                    "metainfo: pack them with PackVideoQAInputs(meta_keys="
                    "['mc_question_id'])")
            questions: Dict[str, bool] = OrderedDict()
            for rec in options:
                key = rec['mc_question_id']
                questions[key] = questions.get(key, True) and \
                    label_correct(rec)
            name = qtype.capitalize()
            per_question[name] = _percent(list(questions.values()))
            per_option[name] = _percent([label_correct(r) for r in options])
            pooled_questions.extend(questions.values())
            pooled_options.extend(label_correct(r) for r in options)
        present = [v for v in per_question.values() if v is not None]
        overalls = {
            'type_mean': sum(present) / len(present) if present else None,
            'mc_pooled': _percent(pooled_questions)}
        mc_pooled_options = _percent(pooled_options)

        metrics: Dict = {k: v for k, v in per_question.items()
                         if v is not None}
        metrics.update({f'{k}/per_option': v for k, v in per_option.items()
                        if v is not None})
        if overalls[self.overall] is not None:
            metrics['Overall'] = overalls[self.overall]
        if overalls['type_mean'] is not None:
            metrics['Overall/type_mean'] = overalls['type_mean']
        if overalls['mc_pooled'] is not None:
            metrics['MC_pooled'] = overalls['mc_pooled']
            metrics['MC_pooled/per_option'] = mc_pooled_options
        integrity, message = unreadable_report(everything)
        metrics.update(integrity)

        logger = MMLogger.get_current_instance()
        columns = list(per_question) + list(OVERALLS.values())
        rows = {'per question': dict(per_question, **{
                    OVERALLS[k]: v for k, v in overalls.items()}),
                'per option': dict(per_option, **{
                    OVERALLS['mc_pooled']: mc_pooled_options})}
        logger.info('\n' + format_grid(
            rows, columns, f'CLEVRER accuracy (%), {len(everything)} '
            f'samples, descriptive {self.mode} match') + '\n' + (
            'Overall (type mean) = unweighted mean of the four type '
            "accuracies (the paper's Table X); MC pooled = all "
            'multiple-choice questions (options) pooled, descriptive '
            "excluded (run_mc.py's overall). Overall = "
            f'{OVERALLS[self.overall]}.'))
        if len(present) < len(per_question):
            missing = [k for k, v in per_question.items() if v is None]
            logger.warning(f'no {", ".join(missing)} questions: the type '
                           f'mean is over the other {len(present)} type(s)')
        if message:
            logger.warning(message)
        return metrics
