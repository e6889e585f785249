"""The offline-feature video encoder (Table V baseline) in the model."""
import copy

import pytest
import torch

from mcg.encoders import OfflineFeatureEncoder
from mcg.registry import MODELS
from mcg.structures import VideoQADataSample


def test_tokens_for_vectors_grids_and_other_lengths():
    enc = OfflineFeatureEncoder(in_dims=16, embed_dims=8, num_frames=4,
                                num_layers=1, num_heads=2)
    assert enc(torch.randn(2, 4, 16, 1, 1)).shape == (2, 1 + 4, 8)
    # A feature grid gives T*H*W tokens; another T resizes the time table.
    assert enc(torch.randn(1, 4, 16, 2, 2)).shape == (1, 1 + 16, 8)
    assert enc(torch.randn(1, 6, 16, 1, 1)).shape == (1, 7, 8)
    with pytest.raises(ValueError, match='in_dims'):
        enc(torch.randn(1, 4, 12, 1, 1))


def test_model_with_offline_features_trains(micro_cfg):
    cfg = copy.deepcopy(micro_cfg.model)
    cfg['head']['output_vocab'] = None
    cfg['data_preprocessor'] = dict(type='VideoFeaturePreprocessor')
    cfg['video_encoder'] = dict(type='OfflineFeatureEncoder', in_dims=24,
                                embed_dims=32, num_frames=4)
    model = MODELS.build(cfg)
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
