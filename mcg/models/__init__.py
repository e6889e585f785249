"""Assembled models, data preprocessors, tokenizers and shared layers."""
from .data_preprocessor import VideoQADataPreprocessor
from .mcg_videoqa import MCGVideoQA
from .tokenizer import BertTokenizerFast
from .transformer_block import TransformerBlock

__all__ = ['BertTokenizerFast', 'MCGVideoQA', 'TransformerBlock',
           'VideoQADataPreprocessor']
