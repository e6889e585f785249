"""Video and text encoders (the paper's joint unimodal model)."""
from .base import BaseTextEncoder, BaseVideoEncoder
from .bert_text import BertTextEncoder
from .offline_features import OfflineFeatureEncoder
from .timesformer import DividedSpaceTimeBlock, TimeSformerEncoder

__all__ = ['BaseTextEncoder', 'BaseVideoEncoder', 'BertTextEncoder',
           'DividedSpaceTimeBlock', 'OfflineFeatureEncoder',
           'TimeSformerEncoder']
