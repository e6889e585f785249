"""Smoke test of benchmarks/estimate_memory.py on the tiny model config."""
import pytest

from benchmarks.estimate_memory import main

TINY = 'configs/_base_/models/mcg_tiny.py'


@pytest.mark.slow
def test_meta_estimate_equals_a_real_cpu_count_and_checkpointing_helps():
    args = ['--videos', '2', '--questions', '3', '--config', TINY]
    meta = main(args)
    cpu = main(args + ['--device', 'cpu'])
    assert [r['checkpointing'] for r in meta] == [False, True]
    for m, c in zip(meta, cpu):
        # Same saved tensors whether or not they hold values (the fused
        # kernels' log-sum-exp is padded differently on CPU and meta).
        for key in ('video_encoder', 'fusor', 'head', 'saved'):
            assert abs(m[key] - c[key]) <= 0.02 * c[key], key
        assert m['states'] == c['states'] > 0
    plain, ckpt = meta
    assert ckpt['video_encoder'] < plain['video_encoder'] / 3
    assert ckpt['fusor'] < plain['fusor'] / 3
    assert ckpt['head'] < plain['head'] / 3
    assert ckpt['total'] < plain['total']


def test_math_attention_counts_the_probabilities():
    fused = main(['--videos', '1', '--questions', '2', '--config', TINY])
    math = main(['--videos', '1', '--questions', '2', '--config', TINY,
                 '--attention', 'math'])
    assert math[0]['video_encoder'] > fused[0]['video_encoder']
