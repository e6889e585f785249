"""Smoke test of benchmarks/bench_train_step.py on the tiny model."""
import torch

from benchmarks import bench_train_step
from mcg.apis.offline_model import synthetic_batch


def test_bench_train_step_smoke():
    rows = bench_train_step.main(['--models', 'tiny', '--questions', '2',
                                  '--reps', '1', '--no-record'])
    (row,) = rows
    assert row['same_loss']
    assert row['shared_sps'] > 0 and row['per-question_sps'] > 0
    # Two clips of activations against one.
    assert row['per-question_saved_mb'] > row['shared_saved_mb']


def test_batches_pair_each_question_with_its_clip():
    model = bench_train_step.build_model('tiny', 8, None)
    shared = synthetic_batch(model, 2, 3, shared=True)
    per_q = synthetic_batch(model, 2, 3, shared=False)
    assert shared['inputs'].shape[0] == 2 and per_q['inputs'].shape[0] == 6
    for i, (a, b) in enumerate(zip(shared['data_samples'],
                                   per_q['data_samples'])):
        assert a.question == b.question
        assert torch.equal(shared['inputs'][a.video_index],
                           per_q['inputs'][b.video_index])
