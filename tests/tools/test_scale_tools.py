"""tools/train.py: mixed precision on CPU and resuming a fresh work dir."""
import os.path as osp

import pytest
import torch

from tests.conftest import (DEMO_CONFIG, micro_model_options, options_to_argv,
                            run_tool)


@pytest.mark.slow
def test_bf16_amp_trains_on_cpu_and_fresh_resume_starts_over(
        shapesqa_tiny, tmp_path):
    opts = micro_model_options(shapesqa_tiny)
    opts.update({'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1})
    res = run_tool(['tools/train.py', DEMO_CONFIG, '--work-dir',
                    str(tmp_path), '--amp', '--resume'] +
                   options_to_argv(opts))
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-3000:]
    assert 'training from the start' in res.stderr
    assert "type='AutocastOptimWrapper'" in log and "dtype='bfloat16'" in log
    assert 'anetqa/All' in log
    ckpt = torch.load(osp.join(tmp_path, 'epoch_1.pth'), weights_only=True)
    assert all(v.dtype == torch.float32 for v in ckpt['state_dict'].values()
               if v.is_floating_point())  # autocast keeps fp32 master weights


@pytest.mark.skipif(torch.cuda.is_available(), reason='has a GPU')
def test_fp16_amp_without_gpu_is_refused_clearly(shapesqa_tiny, tmp_path):
    res = run_tool(['tools/train.py', DEMO_CONFIG, '--work-dir',
                    str(tmp_path), '--amp', '--amp-dtype', 'float16'] +
                   options_to_argv(micro_model_options(shapesqa_tiny)))
    assert res.returncode == 2
    assert 'Traceback' not in res.stderr
    assert 'float16 needs a GPU' in res.stderr and 'bfloat16' in res.stderr
