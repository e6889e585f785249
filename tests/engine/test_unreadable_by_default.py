"""Corrupt videos with the shipped demo config and tools, no wrapper config:
training skips them (one warning each, a running count, a stop past the
configured fraction), testing counts their questions wrong and --dump marks
them, and tools/infer.py answers everything else and exits non-zero."""
import json
import os.path as osp
import re

import pytest

from tests.conftest import (DEMO_CONFIG, micro_model_options, options_to_argv,
                            run_tool)

BAD_TRAIN = ('syntr00003', 'syntr00007')
BAD_TEST = 'synte00001'


@pytest.fixture(scope='module')
def broken_tiny(tmp_path_factory):
    """The tiny preset with 10 training videos, 2 of them corrupt (one
    truncated, one empty), and 1 of the 2 test videos truncated."""
    from mcg.datasets.shapesqa.generate import generate_shapesqa
    root = str(tmp_path_factory.mktemp('broken_tiny'))
    generate_shapesqa(root, preset='tiny', seed=0, write_mc=False,
                      num_videos=dict(train=10, val=2, test=2))
    for name, keep in ((BAD_TRAIN[0], 0.5), (BAD_TRAIN[1], 0.0),
                       (BAD_TEST, 0.3)):
        path = osp.join(root, 'videos', f'v_{name}.mp4')
        with open(path, 'rb') as f:
            data = f.read()
        with open(path, 'wb') as f:
            f.write(data[:int(len(data) * keep)])
    return root


def _train(root, work_dir, **extra):
    opts = dict(micro_model_options(root), **{
        'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1,
        'val_dataloader.dataset.split': 'test'}, **extra)
    res = run_tool(['tools/train.py', DEMO_CONFIG, '--work-dir', work_dir] +
                   options_to_argv(opts))
    return res, opts


@pytest.mark.slow
def test_train_test_and_infer_go_on_past_corrupt_videos(broken_tiny,
                                                        tmp_path):
    work_dir = str(tmp_path / 'work')
    res, opts = _train(broken_tiny, work_dir, **{
        'default_hooks.unreadable_videos.max_bad_fraction': 0.25})
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-3000:]
    warned = re.findall(r'unreadable training video #(\d) skipped and '
                        r'replaced: \S+/v_(\w+)\.mp4', log)
    assert sorted(warned) == [('1', BAD_TRAIN[0]), ('2', BAD_TRAIN[1])] or \
        sorted(w[1] for w in warned) == sorted(BAD_TRAIN), warned
    assert len(warned) == 2  # one warning per file
    assert '2 of 10 training videos are unreadable' in log
    assert re.search(r'bad_videos: 2(\s|$)', log)

    dump = str(tmp_path / 'preds.json')
    res = run_tool(['tools/test.py', DEMO_CONFIG,
                    osp.join(work_dir, 'epoch_1.pth'), '--work-dir',
                    str(tmp_path / 'test'), '--dump', dump] +
                   options_to_argv(opts))
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-3000:]
    assert BAD_TEST in out.split('1 unreadable video(s)')[1][:400]
    records = json.load(open(dump))
    broken = [r for r in records if r['video_id'] == BAD_TEST]
    fine = [r for r in records if r['video_id'] != BAD_TEST]
    assert broken and fine
    assert all(r['prediction'] is None and r['video_error'] for r in broken)
    assert all(isinstance(r['prediction'], str) and 'video_error' not in r
               for r in fine)

    videos = osp.join(broken_tiny, 'videos')
    requests = [(osp.join(videos, 'v_synte00000.mp4'), 'what color is it'),
                (osp.join(videos, f'v_{BAD_TEST}.mp4'), 'what shape is it'),
                (osp.join(videos, 'v_gone.mp4'), 'what is it'),
                (osp.join(videos, 'v_synte00000.mp4'), 'how many objects')]
    qfile = tmp_path / 'qs.jsonl'
    qfile.write_text('\n'.join(json.dumps(dict(video=v, question=q))
                               for v, q in requests))
    res = run_tool(['tools/infer.py', DEMO_CONFIG,
                    osp.join(work_dir, 'epoch_1.pth'), '--questions-file',
                    str(qfile)] + options_to_argv(opts))
    assert res.returncode == 3, res.stderr[-3000:]
    assert 'Traceback' not in res.stderr
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    answered = [x for x in lines if x['answer'] is not None]
    assert sorted(x['question'] for x in answered) == [
        'how many objects', 'what color is it']
    marked = {osp.basename(x['video']): x['video_error'] for x in lines
              if x['answer'] is None}
    assert set(marked) == {f'v_{BAD_TEST}.mp4', 'v_gone.mp4'}
    listed = res.stderr.split('2 of 3 videos could not be read')[1]
    assert f'v_{BAD_TEST}.mp4' in listed and 'v_gone.mp4: file not found' \
        in listed


@pytest.mark.slow
def test_training_stops_past_the_default_fraction(broken_tiny, tmp_path):
    res, _ = _train(broken_tiny, str(tmp_path / 'work'))
    assert res.returncode == 3, res.stderr[-3000:]
    assert 'Traceback' not in res.stderr
    assert 'training stopped' in res.stderr
    assert 'max_bad_fraction=0.05' in res.stderr
    assert 'default_hooks.unreadable_videos.max_bad_fraction' in res.stderr


def test_the_hook_switches_tolerance_on_and_off():
    from mcg.engine.bad_data_hook import tolerate_unreadable_videos
    from mcg.engine.launch import drop_disabled_hooks
    from mcg.utils import load_config
    cfg = load_config(DEMO_CONFIG)
    wrapped = tolerate_unreadable_videos(cfg)
    assert wrapped.train_dataloader.dataset.type == 'SkipUnreadableVideos'
    inner = wrapped.train_dataloader.dataset.dataset
    assert inner.type == 'ActivityNetQADataset'
    # The caller's config keeps the keys the user wrote (error messages).
    assert cfg.train_dataloader.dataset.type == 'ActivityNetQADataset'
    # Wrapped already: left alone.
    assert tolerate_unreadable_videos(wrapped) is wrapped
    off = load_config(DEMO_CONFIG, {'default_hooks.unreadable_videos': None})
    drop_disabled_hooks(off)
    assert tolerate_unreadable_videos(off) is off
