"""A NaN loss on one DDP rank stops every rank before any of them steps."""
import glob
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from tests.conftest import (DEMO_CONFIG, REPO, micro_model_options,
                            options_to_argv)


@pytest.mark.slow
def test_a_nan_on_one_rank_reaches_no_weights_and_no_checkpoint(
        shapesqa_tiny, tmp_path):
    config = tmp_path / 'poisoned.py'
    config.write_text(
        f'_base_ = [{DEMO_CONFIG!r}]\n'
        "custom_imports = dict(imports=['tests.engine.nan_injection'], "
        'allow_failed_imports=False)\n'
        "custom_hooks = [dict(type='PoisonOneRankHook', rank=1, "
        'at_iter=1)]\n')
    opts = micro_model_options(shapesqa_tiny)
    opts.update({'train_dataloader.batch_size': 1,   # 3 steps of 2 ranks
                 'train_cfg.max_epochs': 1,
                 'default_hooks.checkpoint.by_epoch': False,
                 'default_hooks.checkpoint.interval': 1})
    work_dir = tmp_path / 'work'
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS='1',
               PORT=str(29300 + os.getpid() % 90))
    res = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(config), '2', '--work-dir',
         str(work_dir), '--no-validate'] + options_to_argv(opts),
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    log = res.stdout + res.stderr
    assert res.returncode != 0
    saved = sorted(osp.basename(p) for p in glob.glob(
        str(work_dir / 'iter_*.pth')))
    assert saved == ['iter_1.pth']
    weights = torch.load(work_dir / 'iter_1.pth',
                         weights_only=True)['state_dict']
    assert all(torch.isfinite(v).all() for v in weights.values()
               if v.is_floating_point())
    assert 'non-finite loss at epoch 1, iteration 2' in log
    # Rank 0's own loss was finite: it stopped on rank 1's word.
    assert 'another rank saw the non-finite one' in log
