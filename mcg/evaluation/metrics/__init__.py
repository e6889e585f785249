"""Evaluation metrics."""
from .dump import DumpVideoQAPredictions  # noqa: E402
from .anetqa_metric import (ActivityNetQAMetric, anetqa_accuracy, dedupe,
                            format_table, is_correct)

__all__ = ['DumpVideoQAPredictions', 'ActivityNetQAMetric', 'anetqa_accuracy', 'dedupe', 'format_table',
           'is_correct']
