"""Smoke test of benchmarks/bench_demo_step.py on a micro demo config."""
from benchmarks.bench_demo_step import main
from tests.conftest import micro_model_options, options_to_argv


def test_bench_demo_step_times_fp32_and_bf16_side_by_side(shapesqa_tiny,
                                                           capsys):
    # data_root as a config variable: the datasets follow it (the file is
    # re-evaluated), as with tools/train.py.
    opts = {k: v for k, v in micro_model_options(shapesqa_tiny).items()
            if not k.endswith('dataset.data_root')}
    opts['data_root'] = shapesqa_tiny
    out = main(['--steps', '2', '--warmup', '1', '--threads', '1'] +
               options_to_argv(opts))
    assert set(out) == {'fp32', 'bf16'}
    for mode in out.values():
        assert mode['cpu'] > 0 and mode['wall'] > 0
    printed = capsys.readouterr().out
    assert '| fp32 |' in printed and '| bf16 |' in printed
    assert 'fp32/bf16 time per step' in printed
