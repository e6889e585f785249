"""VideoQAInferencer and tools/infer.py on the micro model."""
import json
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mcg.apis import VideoQAInferencer
from tests.conftest import DEMO_CONFIG, run_tool


@pytest.fixture(scope='module')
def inferencer(trained_micro):
    work_dir, opts, _ = trained_micro
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(opts)
    return VideoQAInferencer(cfg, osp.join(work_dir, 'epoch_2.pth'))


def test_answers_in_vocabulary_and_scope_not_leaked(inferencer,
                                                    shapesqa_tiny):
    before = DefaultScope.get_current_instance()
    video = osp.join(shapesqa_tiny, 'videos', 'v_synte00000.mp4')
    one = inferencer(video, 'how many objects appear in the video')
    assert set(one) == {'question', 'answer'}
    many = inferencer(video, ['what color is the object that appears later',
                              'how many objects appear in the video'])
    assert len(many) == 2 and many[1]['answer'] == one['answer']
    assert all(isinstance(r['answer'], str) for r in many)
    after = DefaultScope.get_current_instance()
    assert (before is None and after is None) or (
        before.scope_name == after.scope_name)


def test_clear_errors(inferencer, shapesqa_tiny, tmp_path):
    video = osp.join(shapesqa_tiny, 'videos', 'v_synte00000.mp4')
    with pytest.raises(FileNotFoundError, match='not found'):
        inferencer(str(tmp_path / 'missing.mp4'), 'what is it')
    bad = tmp_path / 'notes.mp4'
    bad.write_text('hello')
    with pytest.raises(ValueError, match='not a readable video'):
        inferencer(str(bad), 'what is it')
    with pytest.raises(ValueError, match='non-empty'):
        inferencer(video, '   ')


def test_infer_cli(trained_micro, shapesqa_tiny, tmp_path):
    work_dir, opts, _ = trained_micro
    video = osp.join(shapesqa_tiny, 'videos', 'v_synte00001.mp4')
    qfile = tmp_path / 'qs.jsonl'
    qfile.write_text('\n'.join(json.dumps(dict(video=video, question=q))
                               for q in ('how many objects appear in the '
                                         'video', 'what shape is the object '
                                         'that disappears')))
    argv = ['tools/infer.py', DEMO_CONFIG, osp.join(work_dir, 'epoch_2.pth'),
            '--questions-file', str(qfile)]
    # The micro model's sizes go through the environment-free config copy.
    res = run_tool(argv + ['--cfg-options'] +
                   [f'{k}={v}' for k, v in opts.items()])
    assert res.returncode == 0, res.stderr[-2000:]
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert len(lines) == 2 and all('answer' in x for x in lines)
    res = run_tool(argv[:3] + ['--video', str(tmp_path / 'nope.mp4'),
                               '--question', 'what', '--cfg-options'] +
                   [f'{k}={v}' for k, v in opts.items()])
    assert res.returncode == 2 and 'not found' in res.stderr


def test_analyze_logs(trained_micro, tmp_path):
    work_dir, _, _ = trained_micro
    out = tmp_path / 'curves.png'
    res = run_tool(['tools/analyze_logs.py', 'curves', work_dir, '--out',
                    str(out)])
    assert res.returncode == 0, res.stderr[-2000:]
    assert out.stat().st_size > 1000
