"""2-rank DDP on CPU (gloo, torchrun) equals one process on the global batch."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from tests.conftest import (DEMO_CONFIG, REPO, micro_model_options,
                            options_to_argv, run_tool)


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
        'param_scheduler': None,
    })
    return opts


@pytest.mark.slow
def test_two_rank_ddp_matches_single_process(shapesqa_tiny, tmp_path):
    # 6 videos: 2 ranks x 1 video per step vs 1 process x 2 videos, 3 steps.
    # DefaultSampler shuffles with the same seed in both runs and deals
    # indices round-robin, so step k uses the same two videos either way;
    # every item is one video with all its questions.
    ddp_dir, single_dir = str(tmp_path / 'ddp'), str(tmp_path / 'single')
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS='1',
               PORT=str(29500 + os.getpid() % 1000))
    res = subprocess.run(
        ['bash', 'tools/dist_train.sh', DEMO_CONFIG, '2', '--work-dir',
         ddp_dir, '--no-validate'] + options_to_argv(
             _options(shapesqa_tiny, 1)),
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-3000:]
    assert 'MMDistributedDataParallel' in log
    assert 'Epoch(train) [1][3/3]' in log

    res = run_tool(['tools/train.py', DEMO_CONFIG, '--work-dir', single_dir,
                    '--no-validate'] + options_to_argv(
                        _options(shapesqa_tiny, 2)),
                   env={'OMP_NUM_THREADS': '1'})
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'Epoch(train) [1][3/3]' in res.stdout + res.stderr

    ddp = torch.load(osp.join(ddp_dir, 'epoch_1.pth'),
                     weights_only=True)['state_dict']
    single = torch.load(osp.join(single_dir, 'epoch_1.pth'),
                        weights_only=True)['state_dict']
    assert ddp.keys() == single.keys()
    for key, value in single.items():
        # Without the global-token normalisation of the LM loss the largest
        # difference is ~4e-4 (ranks hold different numbers of answer
        # tokens); with it, ~1e-8.
        torch.testing.assert_close(ddp[key], value, rtol=1e-5, atol=1e-6,
                                   msg=key)
