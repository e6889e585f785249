"""The long-running tools print progress lines with an ETA on stderr.

MCG_PROGRESS_INTERVAL=0 makes every update print, so short runs show the
lines a long run prints every 10 s.
"""
import glob
import json
import os.path as osp
import re

import pytest

from tests.conftest import DEMO_CONFIG, options_to_argv, run_tool

EVERY_UPDATE = {'MCG_PROGRESS_INTERVAL': '0'}
ETA = re.compile(r', ETA \d+:\d\d:\d\d$', re.M)


def _lines(stderr, desc):
    return [ln for ln in stderr.splitlines() if ln.startswith(desc + ': ')]


def test_make_shapesqa_and_reencode_videos(tmp_path):
    out = str(tmp_path / 'shapesqa')
    res = run_tool(['tools/data/make_shapesqa.py', '--out', out,
                    '--preset', 'tiny'], env=EVERY_UPDATE)
    assert res.returncode == 0, res.stderr[-3000:]
    lines = _lines(res.stderr, 'make_shapesqa')
    assert lines[0].startswith('make_shapesqa: 1/10 videos (10.0%)')
    assert ETA.search(lines[0])
    assert lines[-1].startswith('make_shapesqa: 10/10 videos (100.0%)')
    res = run_tool(['tools/data/reencode_videos.py', osp.join(out, 'videos'),
                    '--out', str(tmp_path / 're'), '--short-side', '32'],
                   env=EVERY_UPDATE)
    assert res.returncode == 0, res.stderr[-3000:]
    lines = _lines(res.stderr, 'reencode_videos')
    assert len(lines) == 11 and ETA.search(lines[0])
    assert lines[-1].startswith('reencode_videos: 10/10 videos (100.0%)')


@pytest.mark.slow
def test_test_tool_and_infer_questions_file(trained_micro, shapesqa_tiny,
                                            tmp_path):
    work_dir, opts, _ = trained_micro
    ckpt = osp.join(work_dir, 'epoch_2.pth')
    res = run_tool(['tools/test.py', DEMO_CONFIG, ckpt, '--work-dir',
                    str(tmp_path)] + options_to_argv(opts), env=EVERY_UPDATE)
    assert res.returncode == 0, res.stderr[-3000:]
    lines = _lines(res.stderr, 'test')
    # The tiny test split: 2 videos, 18 questions, one batch of 2 videos.
    assert lines[0].startswith('test: 18/18 questions (100.0%)'), lines
    assert lines[-1].startswith('test: 18/18 questions (100.0%)')

    videos = sorted(glob.glob(osp.join(shapesqa_tiny, 'videos', '*.mp4')))
    qfile = tmp_path / 'qs.jsonl'
    qfile.write_text(''.join(
        json.dumps(dict(video=v, question=q)) + '\n'
        for v in videos[:3] for q in ('what color', 'where is it')))
    res = run_tool(['tools/infer.py', DEMO_CONFIG, ckpt, '--questions-file',
                    str(qfile)] + options_to_argv(opts), env=EVERY_UPDATE)
    assert res.returncode == 0, res.stderr[-3000:]
    assert len(res.stdout.splitlines()) == 6
    lines = _lines(res.stderr, 'infer')
    assert lines[0].startswith('infer: 2/6 questions (33.3%)')
    assert ETA.search(lines[0])
    assert lines[-1].startswith('infer: 6/6 questions (100.0%)')
