"""2-rank DDP and FSDP on CPU (gloo, torchrun) equal one process on the
global batch."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from tests.conftest import (DEMO_CONFIG, REPO, micro_model_options,
                            options_to_argv, run_tool)

FSDP_CONFIG = osp.join(REPO, 'configs/shapesqa/strategies/'
                       'mcg_tiny_shapesqa_fsdp.py')


def _options(data_root, batch_size):
    opts = micro_model_options(data_root)
    opts.update({
        'train_dataloader.batch_size': batch_size,
        'train_cfg.max_epochs': 1,
        # Frames from the sampler's own generator would differ per process.
        'train_dataloader.dataset.pipeline.1.test_mode': True,
        # Plain SGD: Adam's first steps are ~lr * sign(grad) and would turn
        # rounding noise of near-zero gradients into lr-sized differences.
        'optim_wrapper.optimizer.type': 'SGD',
        'optim_wrapper.optimizer.lr': 0.05,
        'optim_wrapper.clip_grad': None,  # as the FSDP example config
        'param_scheduler': None,
    })
    return opts


def _weights(work_dir):
    return torch.load(osp.join(work_dir, 'epoch_1.pth'),
                      weights_only=True)['state_dict']


@pytest.fixture(scope='module')
def single_process(shapesqa_tiny, tmp_path_factory):
    """One process, 2 videos per step, 3 steps (the tiny preset's 6)."""
    work_dir = str(tmp_path_factory.mktemp('single'))
    res = run_tool(['tools/train.py', DEMO_CONFIG, '--work-dir', work_dir,
                    '--no-validate'] + options_to_argv(
                        _options(shapesqa_tiny, 2)),
                   env={'OMP_NUM_THREADS': '1'})
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'Epoch(train) [1][3/3]' in res.stdout + res.stderr
    return _weights(work_dir)


def _two_ranks(config, data_root, work_dir):
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS='1',
               PORT=str(29500 + os.getpid() % 1000))
    res = subprocess.run(
        ['bash', 'tools/dist_train.sh', config, '2', '--work-dir', work_dir,
         '--no-validate'] + options_to_argv(_options(data_root, 1)),
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-3000:]
    assert 'Epoch(train) [1][3/3]' in log
    return log


@pytest.mark.slow
@pytest.mark.parametrize('config,wrapper', [
    (DEMO_CONFIG, 'MMDistributedDataParallel'),
    (FSDP_CONFIG, 'FSDPStrategy'),
])
def test_two_ranks_match_single_process(shapesqa_tiny, single_process,
                                        tmp_path, config, wrapper):
    # 2 ranks x 1 video per step vs 1 process x 2 videos. DefaultSampler
    # shuffles with the same seed in both runs and deals indices
    # round-robin, so step k uses the same two videos either way; every item
    # is one video with all its questions.
    work_dir = str(tmp_path / 'two_ranks')
    log = _two_ranks(config, shapesqa_tiny, work_dir)
    assert wrapper in log
    got = _weights(work_dir)  # FSDP gathers a full state dict on rank 0
    assert got.keys() == single_process.keys()
    for key, value in single_process.items():
        # Without the global-token normalisation of the LM loss the largest
        # difference is ~4e-4 (ranks hold different numbers of answer
        # tokens); with it, ~1e-8.
        torch.testing.assert_close(got[key], value, rtol=1e-5, atol=1e-6,
                                   msg=key)
