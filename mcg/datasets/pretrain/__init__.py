"""Pre-training data: WebVid-2M, CC3M, TGIF-QA, ShapesQA captions, and the
weighted multi-source sampler (see docs/pretraining.md)."""
from .cc3m import CC3MDataset
from .image_clip import LoadImageAsClip
from .multi_source import MultiSourceDataset
from .records import caption_item, text_record
from .sampler import WeightedMultiDatasetSampler
from .shapesqa_captions import ShapesQACaptionDataset, describe_scene
from .tgifqa import TGIFQAPretrainDataset
from .webvid import WebVidDataset

__all__ = ['CC3MDataset', 'LoadImageAsClip', 'MultiSourceDataset',
           'ShapesQACaptionDataset', 'TGIFQAPretrainDataset',
           'WebVidDataset', 'WeightedMultiDatasetSampler', 'caption_item',
           'describe_scene', 'text_record']
