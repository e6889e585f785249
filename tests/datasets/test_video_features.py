"""Pre-extracted features through the data path of the Table V baseline."""
import json
import os

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mcg.datasets.collate import videoqa_collate
from mcg.datasets.transforms import LoadVideoFeatures, VideoReadError
from mcg.datasets.transforms.features import resample_segments
from mcg.registry import DATASETS, MODELS
from tests.conftest import REPO

BASELINE = os.path.join(REPO, 'configs', 'mcg', 'ablations',
                        'mcg_tab5-baseline_anetqa_8f.py')


def test_resample_averages_equal_segments_and_repeats_short_ones():
    feats = np.arange(8, dtype=np.float32)[:, None]          # (8, 1)
    out = resample_segments(feats, 4)
    assert out[:, 0].tolist() == [0.5, 2.5, 4.5, 6.5]
    short = resample_segments(feats[:2], 4)
    assert short[:, 0].tolist() == [0.0, 0.0, 1.0, 1.0]


def test_vectors_and_grids_become_frames(tmp_path):
    load = LoadVideoFeatures(num_segments=4)
    # (N, D) vectors and (N, H, W, D) grids, as (T, H, W, D) "frames".
    for shape, expected in (((10, 16), (4, 1, 1, 16)),
                            ((6, 2, 3, 16), (4, 2, 3, 16))):
        path = str(tmp_path / f'{len(shape)}.npy')
        np.save(path, np.ones(shape, np.float32))
        assert load(dict(video_path=path))['imgs'].shape == expected
    torch.save(torch.ones(3, 5), tmp_path / 'f.pt')
    assert load(dict(video_path=str(tmp_path / 'f.pt')))['imgs'].shape == \
        (4, 1, 1, 5)
    with pytest.raises(VideoReadError, match='feature file not found'):
        load(dict(video_path=str(tmp_path / 'nope.npy')))
    np.save(tmp_path / 'bad.npy', np.ones(3, np.float32))
    with pytest.raises(VideoReadError, match=r'expected \(N, D\)'):
        load(dict(video_path=str(tmp_path / 'bad.npy')))


def _anetqa_with_features(root, in_dims):
    """Annotations of two videos and their feature files, no videos."""
    os.makedirs(root / 'features')
    questions, answers = [], []
    for v, steps in (('aaa', 10), ('bbb', 3)):
        np.save(root / 'features' / f'v_{v}.npy',
                np.random.default_rng(0).normal(
                    size=(steps, in_dims)).astype(np.float32))
        questions.append(dict(video_name=v, question='what is it',
                              question_id=f'v_{v}_0'))
        answers.append(dict(answer='a dog', type=5, question_id=f'v_{v}_0'))
    for split in ('train', 'test'):
        (root / f'{split}_q.json').write_text(json.dumps(questions))
        (root / f'{split}_a.json').write_text(json.dumps(answers))


def test_baseline_config_reads_features_under_its_data_root(tmp_path):
    # The shipped config, pointed at another data_root as a user would: the
    # dataset finds <data_root>/features/v_<name>.npy, with no video folder.
    _anetqa_with_features(tmp_path, in_dims=2048)
    cfg = Config.fromfile(BASELINE)
    for loader in ('train_dataloader', 'test_dataloader'):
        ds_cfg = cfg[loader].dataset
        ds_cfg.data_root = str(tmp_path)
        dataset = DATASETS.build(ds_cfg)
        batch = videoqa_collate([dataset[0], dataset[1]])
        assert tuple(batch['inputs'].shape) == (2, 8, 2048, 1, 1)
        assert 'video_error' not in batch['data_samples'][0].metainfo
    pre = MODELS.build(cfg.model.data_preprocessor)
    assert pre(batch)['inputs'].dtype == torch.float32
