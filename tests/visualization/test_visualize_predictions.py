"""tools/visualize_predictions.py renders a --dump file (smoke test)."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'configs/shapesqa/mcg_tiny_shapesqa.py')


@pytest.fixture
def dump(shapesqa_tiny, tmp_path):
    """A dump in tools/test.py's format: first question right, second wrong."""
    with open(osp.join(shapesqa_tiny, 'test_q.json')) as f:
        qs = json.load(f)
    with open(osp.join(shapesqa_tiny, 'test_a.json')) as f:
        ans = json.load(f)
    records = [dict(question_id=q['question_id'], question=q['question'],
                    prediction=a['answer'] if i == 0 else 'purple', answer=a['answer'],
                    type=a['type'], video_id=q['video_name'])
               for i, (q, a) in enumerate(zip(qs, ans))]
    path = tmp_path / 'preds.json'
    path.write_text(json.dumps(records))
    return str(path), records


def test_tool_renders_pngs_and_a_page(shapesqa_tiny, dump, tmp_path):
    path, records = dump
    out = str(tmp_path / 'vis')
    ids = [records[0]['question_id'], records[1]['question_id']]
    res = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'visualize_predictions.py'), DEMO, path,
         '--out', out, '--ids', *ids, '--cfg-options', f'data_root={shapesqa_tiny}'],
        capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert res.returncode == 0, res.stderr[-2000:]
    for qid in ids:
        assert osp.getsize(osp.join(out, f'{qid}.png')) > 2000
    page = open(osp.join(out, 'index.html')).read()
    assert '2 questions, 1 right' in page
    assert '#1a7f37' in page and '#cf222e' in page      # green and red


def test_frames_are_the_test_pipeline_samples_in_order(shapesqa_tiny, dump):
    from mcg import register_all_modules
    from mcg.utils import load_config
    from mcg.visualization import PredictionFigure, select_records
    register_all_modules(init_default_scope=False)
    cfg = load_config(DEMO, {'data_root': shapesqa_tiny})
    figure = PredictionFigure(cfg)
    _, records = dump
    frames = figure.frames(records[0]['question_id'])
    assert frames.shape == (8, 64, 64, 3) and frames.dtype == np.uint8
    # Distinct frames (the mover moves), not one frame repeated.
    assert len({frames[t].tobytes() for t in range(8)}) > 1
    assert [r['question_id'] for r in select_records(records, only='wrong', num=2)] \
        == [records[1]['question_id'], records[2]['question_id']]
    with pytest.raises(KeyError):
        select_records(records, ids=['nope'])
