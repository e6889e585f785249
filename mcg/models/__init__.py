"""Assembled models, data preprocessors and tokenizers."""
from .data_preprocessor import VideoFeaturePreprocessor, VideoQADataPreprocessor
from .mcg_videoqa import MCGVideoQA
from .tokenizer import BertTokenizerFast

__all__ = ['BertTokenizerFast', 'MCGVideoQA', 'VideoFeaturePreprocessor',
           'VideoQADataPreprocessor']
