"""How the shipped configs are put together: ``_base_`` depth, and the
shared fine-tuning setting that the model and the pipelines both follow."""
from __future__ import annotations

import ast
import glob
import os
from typing import List

import pytest
from mmengine.config import Config

from mcg.utils.config_overrides import load_config
from tests.conftest import REPO

#: The project's limit on ``_base_`` inheritance (hops from a config).
MAX_DEPTH = 3
CONFIGS = sorted(p for p in glob.glob(os.path.join(REPO, 'configs', '**',
                                                   '*.py'), recursive=True))
BENCHMARKS = ['mcg_anetqa_8f.py', 'mcg_msrvttqa_8f.py', 'mcg_msvdqa_8f.py',
              'mcg_nextqa-mc_8f.py', 'mcg_nextqa-oe_8f.py', 'mcg_tvqa_8f.py',
              'mcg_clevrer_8f.py']


def bases(path: str) -> List[str]:
    """The files a config's ``_base_`` names, as paths."""
    for node in ast.parse(open(path).read()).body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            names = ast.literal_eval(node.value)
            names = [names] if isinstance(names, str) else names
            return [os.path.normpath(os.path.join(os.path.dirname(path), n))
                    for n in names]
    return []


def depth(path: str) -> int:
    """Longest chain of ``_base_`` hops below ``path``."""
    return max((1 + depth(b) for b in bases(path)), default=0)


def test_depth_counts_hops():
    chain = os.path.join(REPO, 'configs', 'shapesqa', 'ablations',
                         'mcg_tiny_shapesqa_finetune_wo_mcl.py')
    assert depth(chain) == 3   # -> finetune -> shapesqa -> models/mcg_tiny
    assert depth(os.path.join(REPO, 'configs', '_base_', 'models',
                              'mcg_tiny.py')) == 0


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[os.path.relpath(p, REPO) for p in CONFIGS])
def test_base_inheritance_at_most_three_levels(path):
    assert depth(path) <= MAX_DEPTH


def _frames_and_sizes(cfg: Config):
    steps = [t for loader in ('train_dataloader', 'val_dataloader',
                              'test_dataloader')
             for t in cfg[loader].dataset.pipeline]
    frames = {t['num_frames'] for t in steps if 'num_frames' in t}
    sizes = {t[k] for t in steps for k in ('width', 'height', 'scale')
             if k in t}
    return frames, sizes


@pytest.mark.parametrize('name', BENCHMARKS)
def test_encoder_follows_the_dataset_frames_and_size(name):
    # `--cfg-options num_frames=4 img_size=224` (tools load configs with
    # load_config) must change the encoder with the pipelines, not leave a
    # model built for 8 frames at 384 px under 4-frame 224 px clips.
    path = os.path.join(REPO, 'configs', 'mcg', name)
    cfg = Config.fromfile(path)
    assert _frames_and_sizes(cfg) == ({8}, {384})
    assert (cfg.model.video_encoder.num_frames,
            cfg.model.video_encoder.img_size) == (8, 384)
    cfg = load_config(path, {'num_frames': 4, 'img_size': 224})
    assert _frames_and_sizes(cfg) == ({4}, {224})
    assert (cfg.model.video_encoder.num_frames,
            cfg.model.video_encoder.img_size) == (4, 224)


@pytest.mark.parametrize('frames', [2, 4, 8, 12, 16])
def test_table6_rows_set_their_frames_everywhere(frames):
    path = os.path.join(REPO, 'configs', 'mcg', 'ablations',
                        f'mcg_tab6_anetqa_{frames}f.py')
    cfg = Config.fromfile(path)
    assert _frames_and_sizes(cfg) == ({frames}, {384})
    assert cfg.model.video_encoder.num_frames == frames
    assert cfg.load_from.endswith('mcg_pretrain_webvid-cc3m-tgif_4f/'
                                  'epoch_10.pth')


def test_table6_row_equals_the_recipe_with_a_frames_override():
    # mcg_tab6_anetqa_12f.py is the 8-frame recipe with num_frames=12,
    # whether written as a file or given as `--cfg-options num_frames=12`.
    folder = os.path.join(REPO, 'configs', 'mcg', 'ablations')
    row = Config.fromfile(os.path.join(folder, 'mcg_tab6_anetqa_12f.py'))
    override = load_config(os.path.join(folder, 'mcg_tab6_anetqa_8f.py'),
                           {'num_frames': 12})
    for key in ('model', 'train_dataloader', 'val_dataloader',
                'test_dataloader', 'load_from'):
        assert override[key] == row[key], key


CLASSIFIER_ROWS = ['mcg/ablations/mcg_tab5-baseline_anetqa_8f.py',
                   'mcg/ablations/mcg_tab5-w-jum_anetqa_8f.py',
                   'mcg/ablations/mcg_tab5-w-jum-mcl_anetqa_8f.py',
                   'mcg/ablations/mcg_tab5-ch_anetqa_8f.py',
                   'shapesqa/heads/mcg_tiny_shapesqa_ch.py']


@pytest.mark.parametrize('name', CLASSIFIER_ROWS)
def test_classifier_rows_leave_the_width_to_the_model(name):
    cfg = Config.fromfile(os.path.join(REPO, 'configs', name))
    assert cfg.model.head.type == 'AnswerClassifierHead'
    assert 'in_dims' not in cfg.model.head


def test_classifier_takes_the_fusor_width():
    from mcg.registry import MODELS
    cfg = Config.fromfile(os.path.join(REPO, 'configs', 'shapesqa', 'heads',
                                       'mcg_tiny_shapesqa_ch.py'))
    model = MODELS.build(cfg.model)
    assert model.head.mlp[1].in_features == cfg.model.fusor.embed_dims
