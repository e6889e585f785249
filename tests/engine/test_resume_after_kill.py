"""Crash safety: SIGKILL mid-epoch, resume, same weights and metrics."""
import glob
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest
import torch

from tests.conftest import (DEMO_CONFIG, REPO, micro_model_options,
                            options_to_argv, run_tool)

ITERS_PER_EPOCH = 6  # the tiny preset's 6 training videos, batch size 1
EPOCHS = 2
KILL_AFTER = ITERS_PER_EPOCH + 3  # a checkpoint in the middle of epoch 2


def _options(data_root):
    opts = micro_model_options(data_root)
    opts.update({
        'train_dataloader.batch_size': 1,
        # Frame choice from the sampler's own unseeded generator is not part
        # of the saved state; sample deterministically.
        'train_dataloader.dataset.pipeline.1.test_mode': True,
        'train_cfg.max_epochs': EPOCHS,
        'train_cfg.val_interval': EPOCHS,
        'default_hooks.checkpoint.by_epoch': False,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.checkpoint.max_keep_ckpts': 3,
        'default_hooks.logger.interval': 1,
    })
    return opts


def _train_argv(work_dir, opts, *extra):
    return (['tools/train.py', DEMO_CONFIG, '--work-dir', work_dir,
             '--seed', '0', '--deterministic', *extra] +
            options_to_argv(opts))


def _final_metrics(work_dir):
    """The last validation record of the newest run in ``work_dir``."""
    runs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json')))
    with open(runs[-1]) as f:
        records = [json.loads(line) for line in f]
    return [r for r in records if 'anetqa/All' in r][-1]


def _kill_mid_epoch(work_dir, opts):
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.Popen([sys.executable] + _train_argv(work_dir, opts),
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    target = osp.join(work_dir, f'iter_{KILL_AFTER}.pth')
    deadline = time.time() + 300
    while not osp.exists(target):
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        assert time.time() < deadline, 'training never reached the target'
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    return proc.returncode


@pytest.mark.slow
def test_sigkill_mid_epoch_then_resume_matches_uninterrupted(
        shapesqa_tiny, tmp_path):
    opts = _options(shapesqa_tiny)
    final = f'iter_{EPOCHS * ITERS_PER_EPOCH}.pth'

    ref_dir = str(tmp_path / 'uninterrupted')
    res = run_tool(_train_argv(ref_dir, opts))
    assert res.returncode == 0, res.stderr[-3000:]

    work_dir = str(tmp_path / 'killed')
    assert _kill_mid_epoch(work_dir, opts) == -signal.SIGKILL
    assert not osp.exists(osp.join(work_dir, final))

    res = run_tool(_train_argv(work_dir, opts, '--resume'))
    assert res.returncode == 0, res.stderr[-3000:]
    log = res.stdout + res.stderr
    resumed = int(re.search(r'resumed epoch: \d+, iter: (\d+)', log)[1])
    # The kill may land before MMEngine updated last_checkpoint to the newest
    # file; the previous complete checkpoint is then the resume point.
    assert resumed in (KILL_AFTER - 1, KILL_AFTER)
    # Mid-epoch: the loop skips the batches already trained.
    assert (f'resuming epoch 2 at batch {resumed - ITERS_PER_EPOCH + 1}/'
            f'{ITERS_PER_EPOCH}' in log)

    ref = torch.load(osp.join(ref_dir, final), weights_only=True)
    got = torch.load(osp.join(work_dir, final), weights_only=True)
    assert ref['meta']['iter'] == got['meta']['iter']
    for key, value in ref['state_dict'].items():
        assert torch.equal(value, got['state_dict'][key]), key
    for state in ('exp_avg', 'exp_avg_sq'):
        for i, param_state in ref['optimizer']['state'].items():
            assert torch.equal(param_state[state],
                               got['optimizer']['state'][i][state])
    ref_metrics, got_metrics = _final_metrics(ref_dir), _final_metrics(
        work_dir)
    assert {k: v for k, v in ref_metrics.items() if k.startswith('anetqa')} \
        == {k: v for k, v in got_metrics.items() if k.startswith('anetqa')}
