"""Smoke runs of tools/train.py and tools/test.py on the tiny preset."""
import json
import os
import os.path as osp

import pytest
import torch

from tests.conftest import (DEMO_CONFIG, REPO, micro_model_options,
                            options_to_argv, run_tool)


@pytest.fixture(scope='module')
def trained(trained_micro, tmp_path_factory):
    """A private copy of the session's trained work dir (resume writes)."""
    import shutil
    work_dir, opts, res = trained_micro
    copy = str(tmp_path_factory.mktemp('work_copy'))
    shutil.copytree(work_dir, copy, dirs_exist_ok=True)
    # last_checkpoint holds an absolute path; point it at the copy.
    with open(osp.join(copy, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(copy, 'epoch_2.pth'))
    return copy, opts, res


def test_train_writes_checkpoints_and_validates(trained):
    work_dir, _, res = trained
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))
    log = res.stdout + res.stderr
    assert 'ActivityNet-QA accuracy' in log and 'anetqa/All' in log


def test_test_tool_prints_table_and_dumps(trained, tmp_path):
    work_dir, opts, _ = trained
    dump = str(tmp_path / 'preds.json')
    res = run_tool(['tools/test.py', DEMO_CONFIG,
                    osp.join(work_dir, 'epoch_2.pth'), '--work-dir',
                    str(tmp_path), '--dump', dump] + options_to_argv(opts))
    assert res.returncode == 0, res.stderr[-3000:]
    out = res.stdout + res.stderr
    for col in ('Motion', 'Temporal Rel.', 'Free', 'All'):
        assert col in out
    with open(dump) as f:
        records = json.load(f)
    assert len(records) == 18  # 2 test videos x 9 questions
    assert set(records[0]) >= {'question_id', 'question', 'prediction',
                               'answer', 'type'}


def test_resume_continues_from_last_checkpoint(trained, tmp_path):
    work_dir, opts, _ = trained
    opts = dict(opts)
    opts['train_cfg.max_epochs'] = 3
    res = run_tool(['tools/train.py', DEMO_CONFIG, '--work-dir', work_dir,
                    '--resume'] + options_to_argv(opts))
    assert res.returncode == 0, res.stderr[-3000:]
    log = res.stdout + res.stderr
    assert 'resumed epoch: 2' in log
    assert 'Epoch(train) [1]' not in log and 'Epoch(train) [3]' in log
    ckpt = torch.load(osp.join(work_dir, 'epoch_3.pth'), weights_only=False)
    assert ckpt['meta']['epoch'] == 3


def test_anetqa_config_fails_fast_with_clear_message(tmp_path):
    res = run_tool(['tools/train.py', 'configs/mcg/mcg_anetqa_8f.py',
                    '--work-dir', str(tmp_path)], timeout=120)
    assert res.returncode == 2
    assert 'Traceback' not in res.stderr
    assert 'data/anetqa/train_q.json' in res.stderr
    assert 'docs/datasets/anetqa.md' in res.stderr


def test_make_shapesqa_cli(tmp_path):
    res = run_tool(['tools/data/make_shapesqa.py', '--out', str(tmp_path),
                    '--preset', 'tiny'])
    assert res.returncode == 0, res.stderr
    assert osp.isfile(tmp_path / 'train_q.json')
    assert len(os.listdir(tmp_path / 'videos')) == 10
