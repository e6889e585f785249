"""mcg.apis.configs: what every tool does first, as library calls."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mcg.apis.configs import (build_model_for_checkpoint, default_work_dir,
                              eval_dataset_config, load_run_config,
                              read_checkpoint_for)
from mcg.engine.checkpoint_fit import CheckpointError
from mcg.engine.inference_meta import collect_inference_meta
from tests.conftest import DEMO_CONFIG, micro_model_options


def test_load_run_config_re_evaluates_variables():
    cfg = load_run_config(DEMO_CONFIG, {'data_root': '/elsewhere'})
    # data_root is copied into the dataloaders while the file runs: the
    # override reaches them only because the file is evaluated again.
    assert cfg.test_dataloader.dataset.data_root == '/elsewhere'
    assert cfg.train_dataloader.dataset.data_root == '/elsewhere'


def test_default_work_dir_is_named_after_the_config():
    assert default_work_dir('configs/shapesqa/mcg_tiny_shapesqa.py') == \
        osp.join('./work_dirs', 'mcg_tiny_shapesqa')


def test_eval_dataset_config_reads_the_split_deterministically():
    cfg = Config.fromfile(DEMO_CONFIG)
    train = cfg.train_dataloader.dataset
    sampler = [s for s in train.pipeline if 'Sampler' in s['type']]
    assert sampler and not sampler[0].get('test_mode')
    out = eval_dataset_config(train, 'val')
    assert out['split'] == 'val' and out['test_mode']
    assert all(s['test_mode'] for s in out['pipeline']
               if 'Sampler' in s['type'])
    # A copy: the config is untouched.
    assert train.split == 'train' and not sampler[0].get('test_mode')
    assert eval_dataset_config(train)['split'] == 'train'


@pytest.fixture
def micro_checkpoint(shapesqa_tiny, tmp_path):
    """A randomly initialised micro model saved with its inference meta."""
    from mcg.registry import MODELS
    cfg = load_run_config(DEMO_CONFIG, micro_model_options(shapesqa_tiny))
    torch.manual_seed(1)
    model = MODELS.build(cfg.model)
    path = str(tmp_path / 'micro.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(mcg_inference=collect_inference_meta(model))),
               path)
    return cfg, model, path


def test_build_model_for_checkpoint_loads_every_weight(micro_checkpoint,
                                                      shapesqa_tiny):
    cfg, trained, path = micro_checkpoint
    # The answers come from the checkpoint: no dataset file is read.
    opts = dict(micro_model_options(shapesqa_tiny))
    opts['model.head.output_vocab'] = '/nonexistent/train_a.json'
    cfg = load_run_config(DEMO_CONFIG, opts)
    before = cfg.to_dict()
    torch.manual_seed(2)      # another init: the weights must come from disk
    model, used = build_model_for_checkpoint(cfg, path)
    assert not model.training
    state, want = model.state_dict(), trained.state_dict()
    assert state.keys() == want.keys()
    assert all(torch.equal(state[k], want[k]) for k in want)
    assert cfg.to_dict() == before          # the caller's config unchanged
    saved = collect_inference_meta(trained)['output_vocab']
    assert saved and list(used.model.head.output_vocab) == list(saved)


def test_checkpoint_errors_name_the_file(micro_checkpoint, shapesqa_tiny,
                                         tmp_path):
    cfg, _, path = micro_checkpoint
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        build_model_for_checkpoint(cfg, str(tmp_path / 'missing.pth'))
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(b'not a checkpoint')
    with pytest.raises(CheckpointError, match='bad.pth'):
        read_checkpoint_for(cfg, str(bad))
    deeper = load_run_config(DEMO_CONFIG, dict(
        micro_model_options(shapesqa_tiny), **{'model.fusor.num_layers': 2}))
    with pytest.raises(CheckpointError):
        build_model_for_checkpoint(deeper, path)
    # Non-strict loads what fits.
    model, _ = build_model_for_checkpoint(deeper, path, strict=False)
    assert len(model.fusor.blocks) == 2
