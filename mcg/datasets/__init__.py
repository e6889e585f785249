"""Datasets, transforms and collation."""
from .anetqa import ANETQA_TYPES, ActivityNetQADataset
from .base_videoqa import UnreadableVideoGuard, VideoQABaseDataset
from .clevrer import CLEVRERDataset
from .collate import videoqa_collate
from .msrvttqa import MSRVTTQADataset, MSVDQADataset
from .nextqa import NExTOEDataset, NExTQADataset
from .text_files import AnnotationError
from .tgifqa import TGIFQADataset
from .tvqa import TVQADataset
from .transforms import *  # noqa: F401,F403  (registers the transforms)

__all__ = ['ANETQA_TYPES', 'ActivityNetQADataset', 'AnnotationError',
           'videoqa_collate', 'UnreadableVideoGuard', 'VideoQABaseDataset',
           'CLEVRERDataset', 'MSRVTTQADataset', 'MSVDQADataset',
           'NExTOEDataset', 'NExTQADataset', 'TGIFQADataset', 'TVQADataset']
from . import pretrain  # noqa: E402,F401  (pre-training datasets, sampler)
from .robust import RequireMinFrames, SkipUnreadableVideos  # noqa: E402
