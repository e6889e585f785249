"""mcg.apis.offline_model: a config's model without downloads or data."""
import torch
from mmengine.config import Config

from mcg.apis.offline_model import (OFFLINE_VOCAB, build_offline_model,
                                    offline_model_config, synthetic_batch)
from tests.conftest import REPO

ANETQA = f'{REPO}/configs/mcg/mcg_anetqa_8f.py'
TINY = f'{REPO}/configs/_base_/models/mcg_tiny.py'


def _values(node, key):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _values(v, key)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from _values(v, key)


def test_offline_config_has_no_downloads_or_data_files():
    cfg = Config.fromfile(ANETQA)
    before = cfg.model.to_dict()
    assert any(v for v in _values(before, 'pretrained'))  # the paper's init
    model = offline_model_config(cfg, num_frames=4, img_size=224)
    assert not any(v for v in _values(model.to_dict(), 'pretrained'))
    assert model.tokenizer.name_or_path == OFFLINE_VOCAB
    assert not model.head.get('output_vocab')
    assert model.video_encoder.num_frames == 4
    assert model.video_encoder.img_size == 224
    assert cfg.model.to_dict() == before     # the config is not changed


def test_built_model_takes_a_synthetic_batch():
    model = build_offline_model(Config.fromfile(TINY), num_frames=2,
                                img_size=32)
    same = build_offline_model(Config.fromfile(TINY), num_frames=2,
                               img_size=32)
    a, b = model.state_dict(), same.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)     # seeded
    batch = synthetic_batch(model, videos=2, questions=3, shared=True)
    assert batch['inputs'].shape == (2, 2, 3, 32, 32)
    assert [s.video_index for s in batch['data_samples']] == [0, 0, 0,
                                                               1, 1, 1]
    per_question = synthetic_batch(model, 2, 3, shared=False)
    assert per_question['inputs'].shape[0] == 6
    assert torch.equal(per_question['inputs'][4], batch['inputs'][1])
    losses = model(**model.data_preprocessor(batch, True), mode='loss')
    assert all(torch.isfinite(v) for k, v in losses.items()
               if k.startswith('loss_'))
