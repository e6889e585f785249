"""Datasets, transforms and collation."""
from .anetqa import ANETQA_TYPES, ActivityNetQADataset, AnnotationError
from .collate import videoqa_collate
from .transforms import *  # noqa: F401,F403  (registers the transforms)

__all__ = ['ANETQA_TYPES', 'ActivityNetQADataset', 'AnnotationError',
           'videoqa_collate']
