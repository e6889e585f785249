"""Every config in configs/ parses and its model builds.

Models are built offline (``pretrained=None``, the packaged tokenizer) and
shrunk to a few dimensions, so the test checks the wiring of each variant
(component types, heads, losses, scorers) rather than the weights.
"""
import glob
import os

import pytest
import torch
from mmengine.config import Config

from mcg.apis.offline_model import offline_model_config
from mcg.registry import MODELS
from tests.conftest import REPO

CONFIGS = sorted(
    os.path.relpath(p, REPO)
    for p in glob.glob(os.path.join(REPO, 'configs', '**', '*.py'),
                       recursive=True)
    if '_base_' not in p.split(os.sep))

#: Component keys shrunk when present (all widths 32, one layer, 2 heads).
TINY = dict(embed_dims=32, video_dims=32, memory_dims=32, num_heads=2,
            ffn_dims=64, depth=1, num_layers=1)


def shrink(model: dict) -> dict:
    for part in ('video_encoder', 'fusor', 'head'):
        cfg = model[part]
        for key, value in TINY.items():
            if key in cfg or (part == 'head' and key in ('embed_dims',
                                                         'num_layers')):
                cfg[key] = value
        if cfg.get('type') == 'AnswerClassifierHead':
            # No in_dims: the head takes the (shrunk) fusor width at bind.
            cfg.pop('embed_dims', None)
            cfg.pop('num_layers', None)
    model['text_encoder']['num_layers'] = 1
    model['text_encoder']['config'] = dict(
        model['text_encoder'].get('config') or {}, hidden_size=32,
        num_attention_heads=2, intermediate_size=64)
    return model


def test_every_variant_of_the_issue_is_there():
    names = set(CONFIGS)
    for row in ('baseline', 'w-jum', 'w-jum-mcl', 'w-jum-mcl-ccg', 'wo-tcl',
                'wo-icl', 'ch'):
        assert f'configs/mcg/ablations/mcg_tab5-{row}_anetqa_8f.py' in names
    for frames in (2, 4, 8, 12, 16):
        assert (f'configs/mcg/ablations/mcg_tab6_anetqa_{frames}f.py'
                in names)


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds(path):
    cfg = Config.fromfile(os.path.join(REPO, path))
    model_cfg = shrink(offline_model_config(cfg).to_dict())
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    assert sum(p.numel() for p in model.parameters()) > 0
    # Pipelines that sample frames agree with the encoder's frame count.
    loader = cfg.get('train_dataloader') or {}
    pipeline = (loader.get('dataset') or {}).get('pipeline') or []
    frames = {t['num_frames'] for t in pipeline if 'num_frames' in t}
    if frames and 'num_frames' in cfg.model.video_encoder:
        assert frames == {cfg.model.video_encoder.num_frames}
