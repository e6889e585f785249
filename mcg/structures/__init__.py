"""Data structures passed between the pipeline, the model and the metrics."""
from .data_sample import VideoQADataSample

__all__ = ['VideoQADataSample']
