"""Pipeline transforms: decoding (or reading features), frame sampling,
resizing, packing."""
from .base import BaseTransform
from .features import LoadVideoFeatures
from .formatting import PackVideoQAInputs
from .frames import FrameFolderDecode, FrameFolderInit
from .loading import DecordDecode, DecordInit, VideoReadError, VideoResize
from .sampling import (BaseFrameSampler, HeadTailFrameSampler,
                       UniformFrameSampler, random_indices, spread_indices)
from .pyav import PyAVReader, VideoInit

__all__ = ['BaseTransform', 'LoadVideoFeatures', 'PackVideoQAInputs',
           'DecordDecode', 'DecordInit', 'VideoReadError', 'VideoResize',
           'BaseFrameSampler', 'HeadTailFrameSampler', 'UniformFrameSampler',
           'random_indices', 'spread_indices', 'FrameFolderDecode',
           'FrameFolderInit', 'PyAVReader', 'VideoInit']
