"""Pre-train on ShapesQA with tools/train.py, then fine-tune from it."""
import json
import os.path as osp
from glob import glob

import pytest
import torch

from tests.conftest import (REPO, micro_model_options, options_to_argv,
                            run_tool)

PRETRAIN = osp.join(REPO, 'configs/shapesqa/mcg_tiny_shapesqa_pretrain.py')
FINETUNE = osp.join(REPO, 'configs/shapesqa/mcg_tiny_shapesqa_finetune.py')
WO_MCL = osp.join(REPO, 'configs/shapesqa/ablations/'
                  'mcg_tiny_shapesqa_pretrain_wo_mcl.py')


def pretrain_options(data_root):
    opts = {k: v for k, v in micro_model_options(data_root).items()
            if k.startswith(('model.', 'default_hooks.'))}
    opts.update({
        'model.head.output_vocab': None,
        'train_dataloader.dataset.datasets.0.data_root': data_root,
        'train_dataloader.dataset.datasets.1.data_root': data_root,
        'train_dataloader.batch_size': 2,
        'train_dataloader.sampler.num_samples': 4,
        'train_cfg.max_epochs': 1,
    })
    return opts


def train_log(res):
    return res.stdout + res.stderr


@pytest.fixture(scope='module')
def pretrained(shapesqa_tiny, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('pretrain'))
    res = run_tool(['tools/train.py', PRETRAIN, '--work-dir', work_dir] +
                   options_to_argv(pretrain_options(shapesqa_tiny)))
    assert res.returncode == 0, res.stderr[-3000:]
    return work_dir, res


@pytest.mark.slow
def test_pretraining_logs_every_term(pretrained):
    work_dir, res = pretrained
    log = train_log(res)
    for key in ('loss_icl', 'loss_tcl', 'loss_vtm', 'loss_lm', 'acc_vtm'):
        assert key in log
    ckpt = torch.load(osp.join(work_dir, 'epoch_1.pth'), map_location='cpu',
                      weights_only=False)
    assert ckpt['state_dict']['video_encoder.time_embed'].shape[1] == 4
    assert 'losses.icl.temperature.value' in ckpt['state_dict']


@pytest.mark.slow
def test_finetune_from_pretrained_reports_keys(pretrained, shapesqa_tiny,
                                               tmp_path):
    work_dir, _ = pretrained
    opts = micro_model_options(shapesqa_tiny)
    opts.update({'load_from': osp.join(work_dir, 'epoch_1.pth'),
                 'train_cfg.max_epochs': 1})
    res = run_tool(['tools/train.py', FINETUNE, '--work-dir',
                    str(tmp_path)] + options_to_argv(opts))
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'load report:' in train_log(res)
    report, = glob(str(tmp_path / '*' / 'load_report.json'))
    report = json.load(open(report))
    # 4 pre-training frames -> 8 fine-tuning frames.
    assert report['resized'] == {
        'video_encoder.time_embed': '(1, 4, 32) -> (1, 8, 32)'}
    assert report['new'] == [] and report['mismatched'] == {}
    assert any(k.startswith('losses.tcl.') for k in report['dropped'])
    # Fine-tuning is LM-only (paper): the demo's ICL head is not built.
    assert any(k.startswith('losses.icl.') for k in report['dropped'])
    assert all(k.startswith('losses.') for k in report['dropped'])
    assert 'head.lm_bias' in report['loaded']
    assert osp.isfile(tmp_path / 'epoch_1.pth')


@pytest.mark.slow
def test_ablation_without_mcl_runs_from_its_config(shapesqa_tiny, tmp_path):
    res = run_tool(['tools/train.py', WO_MCL, '--work-dir', str(tmp_path)] +
                   options_to_argv(pretrain_options(shapesqa_tiny)))
    assert res.returncode == 0, res.stderr[-3000:]
    log = train_log(res)
    assert 'loss_vtm' in log and 'loss_lm' in log
    assert 'loss_icl' not in log and 'loss_tcl' not in log
