"""Smoke test of benchmarks/bench_eval.py on the tiny model."""
import json

from benchmarks import bench_eval


def test_bench_eval_smoke():
    rows = bench_eval.main(['--models', 'tiny', '--videos', '2', '--batch',
                            '4', '--no-record'])
    (row,) = rows
    assert row['questions'] == 20 and row['same']
    assert row['cached_s'] > 0 and row['uncached_s'] > 0


def test_make_data_ten_questions_per_video(tmp_path):
    n = bench_eval.make_data(str(tmp_path), 2)
    qs = json.loads((tmp_path / 'test_q.json').read_text())
    ans = json.loads((tmp_path / 'test_a.json').read_text())
    assert n == 20 and len(ans) == 20
    assert len({q['question_id'] for q in qs}) == 20
    assert [q['question_id'] for q in qs] == [a['question_id'] for a in ans]
