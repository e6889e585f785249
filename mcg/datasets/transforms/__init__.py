"""Pipeline transforms: decoding, frame sampling, resizing, packing."""
from .base import BaseTransform
from .formatting import PackVideoQAInputs
from .loading import DecordDecode, DecordInit, VideoReadError, VideoResize
from .sampling import (BaseFrameSampler, HeadTailFrameSampler,
                       UniformFrameSampler, random_indices, spread_indices)

__all__ = ['BaseTransform', 'PackVideoQAInputs', 'DecordDecode', 'DecordInit',
           'VideoReadError', 'VideoResize', 'BaseFrameSampler',
           'HeadTailFrameSampler', 'UniformFrameSampler', 'random_indices',
           'spread_indices']
