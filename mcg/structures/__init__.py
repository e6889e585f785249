"""Data structures passed between the pipeline, the model and the metrics."""
from .data_sample import VideoQADataSample
from .features import (FusedText, HeadOutput, LossOutput, ModelWidths, Stages,
                       VideoQAFeatures)

__all__ = ['FusedText', 'HeadOutput', 'LossOutput', 'ModelWidths', 'Stages',
           'VideoQADataSample', 'VideoQAFeatures']
