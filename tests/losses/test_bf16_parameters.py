"""Losses and scorers run on a bf16 model without autocast (DeepSpeed bf16).

DeepSpeed's bf16 mode casts the module to bf16 and the ``inputs`` to bf16
(``inputs_to_half``), without autocast; ``model.bfloat16()`` with bf16 inputs
is the same situation on CPU.
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO, micro_model_options

MC_VTM = osp.join(REPO, 'configs/shapesqa/heads/mcg_tiny_shapesqa_mc_vtm.py')


def _bf16_losses(cfg, num_items=2):
    from mcg import register_all_modules
    from mcg.datasets import videoqa_collate
    from mcg.registry import DATASETS, MODELS
    register_all_modules(init_default_scope=False)
    ds_cfg = cfg.train_dataloader.dataset.to_dict()
    ds_cfg['pipeline'][1]['test_mode'] = True
    dataset = DATASETS.build(ds_cfg)
    data = videoqa_collate([dataset[i] for i in range(num_items)])
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).bfloat16().train()
    batch = model.data_preprocessor(data, True)
    batch['inputs'] = batch['inputs'].to(torch.bfloat16)
    losses = model(**batch, mode='loss')
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    total.backward()
    for name, value in losses.items():
        assert torch.isfinite(value).all(), name
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
    return losses


def test_every_loss_of_the_objective_runs_on_a_bf16_model(micro_cfg):
    micro_cfg.model.losses = dict(
        icl=dict(type='InstanceContrastiveLoss', weight=1.0),
        tcl=dict(type='TokenContrastiveLoss', weight=1.0),
        vtm=dict(type='VideoTextMatchingLoss', weight=1.0),
        lm=dict(type='LanguageModelingLoss', weight=1.0))
    losses = _bf16_losses(micro_cfg)
    assert {'loss_icl', 'loss_tcl', 'loss_vtm', 'loss_lm'} <= set(losses)


@pytest.mark.parametrize('vtm_weight', [0.0, 1.0])
def test_vtm_choice_scoring_runs_on_a_bf16_model(shapesqa_tiny, vtm_weight):
    cfg = Config.fromfile(MC_VTM)
    cfg.merge_from_dict(micro_model_options(osp.join(shapesqa_tiny, 'mc')))
    cfg.model.head.output_vocab = None
    cfg.model.losses.vtm.weight = vtm_weight
    losses = _bf16_losses(cfg, num_items=2)
    assert 'loss_choice' in losses
