"""ShapesQA: a synthetic, CPU-generated VideoQA dataset.

Written in the ActivityNet-QA format (plus an optional NExT-QA multiple-choice
variant) with real mp4 clips, so production loaders, samplers and metrics run
on it unchanged. Import-light on purpose: numpy here, PyAV only when encoding.
"""
from .generate import PRESETS, generate_shapesqa
from .questions import ANSWER_VOCAB, ANSWERS_BY_TYPE, MC_HEADER, QUESTION_VOCAB
from .scene import render_frames, sample_scene

__all__ = ['generate_shapesqa', 'PRESETS', 'ANSWER_VOCAB', 'ANSWERS_BY_TYPE', 'MC_HEADER',
           'QUESTION_VOCAB', 'render_frames', 'sample_scene']
