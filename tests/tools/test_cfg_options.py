"""tools/train.py and tools/test.py: config variables set with --cfg-options
take effect, the missing-data advice works as written, and keys that would do
nothing are refused."""
import os
import os.path as osp

import pytest

from tests.conftest import (DEMO_CONFIG, micro_model_options, options_to_argv,
                            run_tool)

#: Keys the micro options set per loader only because data_root and
#: max_epochs used to be ignored.
_DERIVED = ('model.head.output_vocab', 'train_dataloader.dataset.data_root',
            'val_dataloader.dataset.data_root',
            'test_dataloader.dataset.data_root', 'train_cfg.max_epochs',
            'train_cfg.val_interval', 'default_hooks.checkpoint.interval')


def _micro_without_derived(root):
    opts = micro_model_options(root)
    for key in _DERIVED:
        del opts[key]
    return opts


@pytest.mark.slow
def test_train_follows_the_missing_data_advice(shapesqa_tiny, tmp_path):
    empty = tmp_path / 'empty'
    empty.mkdir()
    opts = _micro_without_derived(shapesqa_tiny)
    work_dir = str(tmp_path / 'work')
    res = run_tool(['tools/train.py', DEMO_CONFIG, '--work-dir', work_dir] +
                   options_to_argv(dict(opts, data_root=str(empty))))
    assert res.returncode == 2, res.stderr[-2000:]
    assert 'Traceback' not in res.stderr
    assert osp.join(str(empty), 'train_q.json') in res.stderr
    advice = '--cfg-options data_root=/path/to/data'
    assert advice in res.stderr
    # Exactly what the message says, with the data's path and one epoch.
    res = run_tool(['tools/train.py', DEMO_CONFIG, '--work-dir', work_dir] +
                   options_to_argv(dict(opts, max_epochs=1)) +
                   [advice.split()[1].replace('/path/to/data', shapesqa_tiny)])
    assert res.returncode == 0, res.stderr[-3000:]
    saved = sorted(f for f in os.listdir(work_dir) if f.endswith('.pth'))
    assert saved == ['epoch_1.pth'], saved
    log = res.stdout + res.stderr
    assert 'Epoch(train) [2]' not in log and 'Epoch(train) [1]' in log
    # The config the run saved (yapf wraps long lines: compare unwrapped).
    dumped = open(osp.join(work_dir, 'mcg_tiny_shapesqa.py')).read()
    dumped = ''.join(dumped.split()).replace('"', "'")
    assert f"data_root='{shapesqa_tiny}'" in dumped
    assert f"output_vocab='{shapesqa_tiny}/train_a.json'" in dumped


def test_test_tool_reads_data_root(trained_micro, tmp_path):
    work_dir, opts, _ = trained_micro
    empty = tmp_path / 'empty'
    empty.mkdir()
    opts = {k: v for k, v in opts.items() if k not in _DERIVED}
    res = run_tool(['tools/test.py', DEMO_CONFIG,
                    osp.join(work_dir, 'epoch_2.pth'), '--work-dir',
                    str(tmp_path / 'w')] +
                   options_to_argv(dict(opts, data_root=str(empty))))
    assert res.returncode == 2, res.stderr[-2000:]
    assert osp.join(str(empty), 'test_q.json') in res.stderr
    assert '--cfg-options data_root=/path/to/data' in res.stderr


@pytest.mark.parametrize('tool', ['tools/train.py', 'tools/test.py'])
def test_a_key_that_would_do_nothing_is_refused(tool, tmp_path):
    args = [tool, DEMO_CONFIG] + ([DEMO_CONFIG] if 'test' in tool else [])
    res = run_tool(args + ['--work-dir', str(tmp_path), '--cfg-options',
                           'max_epoch=2'])
    assert res.returncode == 2, res.stderr[-2000:]
    assert 'Traceback' not in res.stderr
    assert 'Did you mean: max_epochs?' in res.stderr
