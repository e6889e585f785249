"""Fault injection: train and evaluate on ShapesQA with 10% broken videos."""
import os
import os.path as osp
import re

import pytest

from tests.conftest import (DEMO_CONFIG, micro_model_options, options_to_argv,
                            run_tool)

WRAPPED_CONFIG = """
_base_ = {base!r}
train_dataloader = dict(dataset=dict(
    _delete_=True, type='SkipUnreadableVideos', max_bad_fraction={fraction},
    dataset=dict(
        type='ActivityNetQADataset', data_root={root!r}, split='train',
        pipeline=[
            dict(type='DecordInit'),
            dict(type='RequireMinFrames', min_frames=8),
            dict(type='HeadTailFrameSampler', num_frames=8),
            dict(type='DecordDecode'),
            dict(type='VideoResize', scale=64),
            dict(type='PackVideoQAInputs'),
        ])))
"""


def _corrupt(path, how):
    """Break one video the way real data breaks."""
    if how == 'truncated':
        with open(path, 'rb') as f:
            data = f.read()
        with open(path, 'wb') as f:
            f.write(data[:len(data) // 2])
    elif how == 'zero-byte':
        open(path, 'wb').close()
    else:  # wrong extension: the loader looks for .mp4/.mkv/.webm
        os.rename(path, osp.splitext(path)[0] + '.avi')
    return path


@pytest.fixture(scope='module')
def broken_shapesqa(tmp_path_factory):
    """30/10/10 videos; 3 train, 1 val and 1 test video corrupted (10%)."""
    from mcg.datasets.shapesqa.generate import generate_shapesqa
    root = str(tmp_path_factory.mktemp('broken_shapesqa'))
    generate_shapesqa(root, preset='tiny', seed=1, write_mc=False,
                      num_videos=dict(train=30, val=10, test=10))
    videos = osp.join(root, 'videos')
    bad = dict(
        train=[_corrupt(osp.join(videos, f'v_syntr{i:05d}.mp4'), how)
               for i, how in ((3, 'truncated'), (13, 'zero-byte'),
                              (23, 'wrong-extension'))],
        val=[_corrupt(osp.join(videos, 'v_synva00004.mp4'), 'zero-byte')],
        test=[_corrupt(osp.join(videos, 'v_synte00007.mp4'), 'truncated')])
    return root, bad


def _train(root, tmp_path, fraction, epochs):
    cfg_file = tmp_path / 'wrapped.py'
    cfg_file.write_text(WRAPPED_CONFIG.format(base=DEMO_CONFIG, root=root,
                                              fraction=fraction))
    opts = micro_model_options(root)
    del opts['train_dataloader.dataset.data_root']
    opts.update({
        # Worker processes: the skip markers must travel inside the batches.
        'train_dataloader.num_workers': 2,
        'train_dataloader.batch_size': 10,
        'train_cfg.max_epochs': epochs,
        'train_cfg.val_interval': epochs,
        'val_dataloader.dataset.report_unreadable': True,
        'test_dataloader.dataset.report_unreadable': True,
        'default_hooks.logger.interval': 2,
    })
    work_dir = str(tmp_path / 'work')
    res = run_tool(['tools/train.py', str(cfg_file), '--work-dir',
                    work_dir] + options_to_argv(opts))
    return res, work_dir, opts, str(cfg_file)


@pytest.mark.slow
def test_training_skips_and_counts_exactly_the_broken_videos(
        broken_shapesqa, tmp_path):
    root, bad = broken_shapesqa
    res, work_dir, opts, cfg_file = _train(root, tmp_path, 0.2, epochs=2)
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-3000:]
    # Each broken file is reported once, numbered, across both epochs.
    reported = re.findall(r'unreadable training video #(\d+) skipped and '
                          r'replaced: (\S+) \((.+?)\)', log)
    assert sorted(path for _, path, _ in reported) == sorted(bad['train'])
    assert sorted(int(n) for n, _, _ in reported) == [1, 2, 3]
    assert '3 of 30 training videos are unreadable' in log
    assert re.search(r'bad_videos: 3(\s|$)', log)
    assert 'file not found' in log  # the renamed one
    # Validation counts the broken val video as unreadable and lists it.
    val_report = log.split('1 unreadable video(s)')[1][:400]
    assert 'synva00004' in val_report

    res = run_tool(['tools/test.py', cfg_file,
                    osp.join(work_dir, 'epoch_2.pth'), '--work-dir',
                    str(tmp_path / 'test')] + options_to_argv(opts))
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-3000:]
    test_report = out.split('1 unreadable video(s)')[1][:400]
    assert 'synte00007' in test_report


@pytest.mark.slow
def test_training_stops_beyond_the_bad_fraction(broken_shapesqa, tmp_path):
    root, bad = broken_shapesqa
    res, _, _, _ = _train(root, tmp_path, 0.05, epochs=1)
    err = res.stderr
    assert res.returncode == 3, err[-3000:]
    assert 'Traceback' not in err
    assert 'training stopped' in err and 'max_bad_fraction' in err
    report = err.split('mcg: training stopped')[1]
    listed = [p for p in bad['train'] if p in report]
    assert len(listed) >= 2  # stopped as soon as 2 > 0.05 * 30
