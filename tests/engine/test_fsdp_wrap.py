"""FSDP units of the shipped strategy config: one per block, tied embeddings
in the root unit; 2 ranks (gloo) train the tied embeddings like 1 process."""
import os
import os.path as osp
import subprocess
import sys
from functools import partial

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import FUNCTIONS

from tests.conftest import (DEMO_CONFIG, REPO, micro_model_options,
                            options_to_argv, run_tool)

FSDP_BASE = osp.join(REPO, 'configs/_base_/strategies/fsdp.py')
FSDP_CONFIG = osp.join(REPO, 'configs/shapesqa/strategies/'
                       'mcg_tiny_shapesqa_fsdp.py')
EMBEDDINGS = 'text_encoder.bert.embeddings.word_embeddings'


def shipped_policy():
    policy = Config.fromfile(FSDP_BASE).strategy.model_wrapper[
        'auto_wrap_policy'].to_dict()
    with FUNCTIONS.switch_scope_and_registry(None):
        fn = FUNCTIONS.get(policy.pop('type'))
    return partial(fn, **policy)


def fsdp_units(module, policy, prefix=''):
    """Names of the modules FSDP's auto-wrap makes units (children first,
    a wrapped child's parameters no longer count for its parents)."""
    units, wrapped_numel = [], 0
    for name, child in module.named_children():
        path = f'{prefix}{name}'
        if policy(module=child, recurse=True, nonwrapped_numel=sum(
                p.numel() for p in child.parameters())):
            sub, sub_numel = fsdp_units(child, policy, path + '.')
            units += sub
            wrapped_numel += sub_numel
            rest = sum(p.numel() for p in child.parameters()) - sub_numel
            if policy(module=child, recurse=False, nonwrapped_numel=rest):
                units.append(path)
                wrapped_numel += rest
    return units, wrapped_numel


def paper_width_model(depth=2):
    """The demo model at the paper's width (768, BERT's 30K vocabulary:
    23.4M embedding parameters), ``depth`` blocks in each part."""
    from mcg import register_all_modules
    from mcg.registry import MODELS
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(DEMO_CONFIG).model
    cfg.video_encoder.update(embed_dims=768, depth=depth, num_heads=12,
                             img_size=384)
    cfg.text_encoder.config.update(hidden_size=768,
                                   num_hidden_layers=depth,
                                   num_attention_heads=12,
                                   intermediate_size=3072)
    for part in (cfg.fusor, cfg.head):
        part.update(embed_dims=768, num_layers=depth, num_heads=12,
                    ffn_dims=3072)
    cfg.fusor.video_dims = cfg.head.memory_dims = 768
    cfg.head.output_vocab = None
    return MODELS.build(cfg)


@pytest.mark.slow  # builds a 768-wide model (~60M parameters)
def test_one_unit_per_block_and_the_tied_embeddings_in_the_root():
    model = paper_width_model(depth=1)
    emb = model.get_submodule(EMBEDDINGS)
    assert emb.weight.numel() > 23_000_000
    units, _ = fsdp_units(model, shipped_policy())
    assert not any(u == EMBEDDINGS or EMBEDDINGS.startswith(u + '.')
                   for u in units)
    expected = [f'{part}.{i}' for i in range(1) for part in (
        'video_encoder.blocks', 'text_encoder.bert.encoder.layer',
        'fusor.blocks', 'head.blocks')]
    assert sorted(units) == sorted(expected)


def _options(data_root, batch_size):
    opts = micro_model_options(data_root)
    opts.update({
        'train_dataloader.batch_size': batch_size,
        'train_cfg.max_epochs': 1,
        'train_dataloader.dataset.pipeline.1.test_mode': True,
        'optim_wrapper.optimizer.type': 'SGD',
        'optim_wrapper.optimizer.lr': 0.05,
        'optim_wrapper.clip_grad': None,
        'param_scheduler': None,
        # The tied word embeddings train (the demo freezes them).
        'model.frozen_parameters': '[]',
    })
    return opts


def _weights(work_dir):
    return torch.load(osp.join(work_dir, 'epoch_1.pth'),
                      weights_only=True)['state_dict']


@pytest.mark.slow
def test_two_fsdp_ranks_train_the_tied_embeddings_like_one_process(
        shapesqa_tiny, tmp_path):
    single = str(tmp_path / 'single')
    res = run_tool(['tools/train.py', DEMO_CONFIG, '--work-dir', single,
                    '--no-validate'] + options_to_argv(
                        _options(shapesqa_tiny, 2)),
                   env={'OMP_NUM_THREADS': '1'})
    assert res.returncode == 0, res.stderr[-3000:]
    ranks = str(tmp_path / 'ranks')
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS='1',
               PORT=str(29400 + os.getpid() % 90))
    res = subprocess.run(
        ['bash', 'tools/dist_train.sh', FSDP_CONFIG, '2', '--work-dir', ranks,
         '--no-validate'] + options_to_argv(_options(shapesqa_tiny, 1)),
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-3000:]
    assert 'FSDPStrategy' in log and 'Epoch(train) [1][3/3]' in log
    want, got = _weights(single), _weights(ranks)
    assert got.keys() == want.keys()
    for key, value in want.items():
        torch.testing.assert_close(got[key], value, rtol=1e-5, atol=1e-6,
                                   msg=key)
