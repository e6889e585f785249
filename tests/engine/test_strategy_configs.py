"""FSDP / DeepSpeed / gradient-checkpointing example configs."""
import importlib.util
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import RUNNERS, STRATEGIES

from tests.conftest import REPO, micro_model_options, options_to_argv, run_tool

STRATEGY_DIR = osp.join(REPO, 'configs/shapesqa/strategies')


@pytest.mark.parametrize('name,strategy,optim_wrapper', [
    ('fsdp', 'FSDPStrategy', 'OptimWrapper'),
    ('deepspeed', 'DeepSpeedStrategy', 'DeepSpeedOptimWrapper'),
])
def test_strategy_configs_parse_and_name_known_components(
        name, strategy, optim_wrapper):
    import mmengine._strategy  # noqa: F401  (registers the strategies)
    cfg = Config.fromfile(osp.join(STRATEGY_DIR,
                                   f'mcg_tiny_shapesqa_{name}.py'))
    assert RUNNERS.get(cfg.runner_type).__name__ == 'FlexibleRunner'
    assert STRATEGIES.get(cfg.strategy.type).__name__ == strategy
    assert cfg.optim_wrapper.type == optim_wrapper
    assert cfg.model.type == 'MCGVideoQA'  # the demo config underneath


def test_cpu_launch_puts_fsdp_on_the_cpu(monkeypatch):
    import torch
    import torch.distributed as dist

    from mcg.engine.launch import init_cpu_distributed
    cfg = Config.fromfile(osp.join(STRATEGY_DIR,
                                   'mcg_tiny_shapesqa_fsdp.py'))
    cfg.launcher = 'pytorch'
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(dist, 'is_initialized', lambda: True)
    init_cpu_distributed(cfg)
    assert cfg.strategy.model_wrapper.device_id == 'cpu'
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'


@pytest.mark.skipif(importlib.util.find_spec('deepspeed') is not None,
                    reason='deepspeed is installed')
def test_deepspeed_config_without_deepspeed_says_so(shapesqa_tiny, tmp_path):
    res = run_tool(['tools/train.py', osp.join(
        STRATEGY_DIR, 'mcg_tiny_shapesqa_deepspeed.py'), '--work-dir',
        str(tmp_path)] + options_to_argv(micro_model_options(shapesqa_tiny)))
    assert res.returncode == 2, res.stderr[-3000:]
    assert 'Traceback' not in res.stderr
    assert "needs the 'deepspeed' package" in res.stderr


def _tools_train():
    spec = importlib.util.spec_from_file_location(
        'mcg_tools_train', osp.join(REPO, 'tools/train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_grad_checkpoint_switch_gives_the_same_gradients(micro_cfg):
    import torch

    from mcg import register_all_modules
    from mcg.datasets import videoqa_collate
    from mcg.registry import DATASETS, MODELS
    register_all_modules(init_default_scope=False)
    plain_cfg = micro_cfg.model
    ckpt_cfg = Config(dict(model=micro_cfg.model.to_dict()))
    switched = _tools_train().set_grad_checkpoint(ckpt_cfg)
    assert sorted(switched) == ['model.fusor', 'model.head',
                                'model.text_encoder', 'model.video_encoder']
    example = Config.fromfile(osp.join(STRATEGY_DIR,
                                       'mcg_tiny_shapesqa_grad_ckpt.py'))
    for part in ('video_encoder', 'text_encoder'):
        assert example.model[part].gradient_checkpointing is True

    ds_cfg = micro_cfg.train_dataloader.dataset.to_dict()
    ds_cfg['pipeline'][1]['test_mode'] = True
    data = videoqa_collate([DATASETS.build(ds_cfg)[i] for i in range(2)])
    grads = []
    for cfg in (plain_cfg, ckpt_cfg.model):
        torch.manual_seed(0)
        model = MODELS.build(cfg)
        model.train()
        assert model.video_encoder.gradient_checkpointing == (
            cfg is not plain_cfg)
        assert model.text_encoder.bert.is_gradient_checkpointing == (
            cfg is not plain_cfg)
        batch = model.data_preprocessor(data, True)
        losses = model(**batch, mode='loss')
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters()
                      if p.grad is not None})
    assert grads[0].keys() == grads[1].keys()
    for name, grad in grads[0].items():
        torch.testing.assert_close(grads[1][name], grad, rtol=1e-4,
                                   atol=1e-6, msg=name)
