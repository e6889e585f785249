"""The offline-feature video encoder (Table V baseline) and its data path."""
import copy

import numpy as np
import pytest
import torch

from mcg.datasets.collate import videoqa_collate
from mcg.datasets.transforms import PackVideoQAInputs
from mcg.datasets.transforms.loading import VideoReadError
from mcg.encoders.offline_features import (LoadVideoFeatures,
                                           OfflineFeatureEncoder,
                                           resample_segments)
from mcg.registry import MODELS


def test_resample_averages_equal_segments_and_repeats_short_ones():
    feats = np.arange(8, dtype=np.float32)[:, None]          # (8, 1)
    out = resample_segments(feats, 4)
    assert out[:, 0].tolist() == [0.5, 2.5, 4.5, 6.5]
    short = resample_segments(feats[:2], 4)
    assert short[:, 0].tolist() == [0.0, 0.0, 1.0, 1.0]


def _item(tmp_path, video_id, shape, num_segments=4):
    np.save(tmp_path / f'{video_id}.npy',
            np.random.default_rng(0).normal(size=shape).astype(np.float32))
    load = LoadVideoFeatures(str(tmp_path), num_segments=num_segments)
    results = load(dict(video_id=video_id, qa=[dict(
        question='what is it', question_id=f'{video_id}_0',
        answer='a dog')]))
    return PackVideoQAInputs()(results)


def test_feature_files_flow_through_pack_collate_preprocess_encode(tmp_path):
    vectors = _item(tmp_path, 'vid1', (10, 16))              # (N, D)
    grid = _item(tmp_path, 'vid2', (6, 2, 2, 16))             # (N, H, W, D)
    assert tuple(vectors['inputs'].shape) == (4, 16, 1, 1)
    assert tuple(grid['inputs'].shape) == (4, 16, 2, 2)
    batch = videoqa_collate([vectors, vectors])
    pre = MODELS.build(dict(type='VideoFeaturePreprocessor'))
    data = pre(batch)
    assert data['inputs'].dtype == torch.float32
    enc = OfflineFeatureEncoder(in_dims=16, embed_dims=8, num_frames=4,
                                num_layers=1, num_heads=2)
    assert enc(data['inputs']).shape == (2, 1 + 4, 8)
    # A feature grid gives T*H*W tokens; another T resizes the time table.
    grid_in = videoqa_collate([grid])['inputs'].float()
    assert enc(grid_in).shape == (1, 1 + 16, 8)
    assert enc(torch.randn(1, 6, 16, 1, 1)).shape == (1, 7, 8)
    with pytest.raises(ValueError, match='in_dims'):
        enc(torch.randn(1, 4, 12, 1, 1))


def test_missing_feature_file_is_a_video_read_error(tmp_path):
    load = LoadVideoFeatures(str(tmp_path))
    with pytest.raises(VideoReadError, match='feature file not found'):
        load(dict(video_id='nope', qa=[]))
    np.save(tmp_path / 'v_abc.npy', np.zeros((3, 4), np.float32))
    assert load(dict(video_id='abc', qa=[]))['imgs'].shape == (8, 1, 1, 4)


def test_model_with_offline_features_trains(micro_cfg):
    cfg = copy.deepcopy(micro_cfg.model)
    cfg['head']['output_vocab'] = None
    cfg['data_preprocessor'] = dict(type='VideoFeaturePreprocessor')
    cfg['video_encoder'] = dict(type='OfflineFeatureEncoder', in_dims=24,
                                embed_dims=32, num_frames=4)
    model = MODELS.build(cfg)
    from mcg.structures import VideoQADataSample
    samples = []
    for v in range(2):
        s = VideoQADataSample(metainfo=dict(question='what is shown',
                                            question_id=str(v),
                                            video_index=v))
        s.gt_answer = 'a red circle'
        samples.append(s)
    data = model.data_preprocessor(dict(
        inputs=torch.randn(2, 4, 24, 1, 1), data_samples=samples), True)
    losses = model(**data, mode='loss')
    losses['loss_lm'].backward()
    assert model.video_encoder.proj[1].weight.grad.abs().sum() > 0
