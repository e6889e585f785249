"""Evaluation metrics."""
from .dump import DumpVideoQAPredictions  # noqa: E402
from .anetqa_metric import (ActivityNetQAMetric, anetqa_accuracy,
                            format_table, is_correct)
from .breakdown import dedupe

__all__ = ['DumpVideoQAPredictions', 'ActivityNetQAMetric', 'anetqa_accuracy', 'dedupe', 'format_table',
           'is_correct']
from .breakdown import LAYOUTS, TypeLayout, breakdown  # noqa: E402
from .clevrer_metric import CLEVRERMetric  # noqa: E402
from .mc_metric import MultipleChoiceQAMetric  # noqa: E402
from .open_ended_metric import OpenEndedQAMetric  # noqa: E402
from .tgif_count_metric import TGIFCountMetric  # noqa: E402

__all__ += ['LAYOUTS', 'TypeLayout', 'breakdown', 'CLEVRERMetric',
            'MultipleChoiceQAMetric', 'OpenEndedQAMetric', 'TGIFCountMetric']
