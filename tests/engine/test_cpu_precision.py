"""cpu_precision: bf16 autocast for CPU training where the CPU has native bf16."""
import pytest
import torch
from mmengine.config import Config

from mcg.engine import launch
from mcg.engine.precision import apply_cpu_precision
from tests.conftest import DEMO_CONFIG


def _train_tool():
    from tools import train
    return train


def _demo(**options) -> Config:
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(options)
    return cfg


@pytest.mark.parametrize('native', ['AMX', 'AVX512_BF16'])
def test_auto_trains_in_bf16_on_a_cpu_with_native_bf16(native):
    cfg = _demo(cpu_precision='auto')
    loops = (cfg.val_cfg.to_dict(), cfg.test_cfg.to_dict())
    assert apply_cpu_precision(cfg, cuda_available=False,
                               native=native) == 'bf16'
    assert cfg.optim_wrapper.type == 'AutocastOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    assert cfg.optim_wrapper.optimizer.fused is True        # kept
    # Evaluation stays fp32 on CPU.
    assert (cfg.val_cfg.to_dict(), cfg.test_cfg.to_dict()) == loops


@pytest.mark.parametrize('precision,cuda,native', [
    ('auto', False, None),            # no AMX / AVX512_BF16: bf16 is slower
    ('auto', True, 'AMX'),            # a GPU run: gpu_precision decides
    ('bf16', True, 'AMX'),
    ('fp32', False, 'AMX'),
    (None, False, 'AMX'),             # key absent: fp32
])
def test_fp32_cases_leave_the_config_alone(precision, cuda, native):
    cfg = _demo() if precision is None else _demo(cpu_precision=precision)
    if precision is None:
        cfg.pop('cpu_precision', None)
    before = cfg.to_dict()
    assert apply_cpu_precision(cfg, cuda_available=cuda,
                               native=native) is None
    assert cfg.to_dict() == before


def test_auto_without_native_bf16_says_so(log_lines):
    cfg = _demo(cpu_precision='auto')
    apply_cpu_precision(cfg, cuda_available=False, native=None)
    assert any('AVX512_BF16' in line and 'fp32' in line
               for line in log_lines)


def test_explicit_bf16_needs_no_native_support():
    cfg = _demo(cpu_precision='bf16')
    assert apply_cpu_precision(cfg, cuda_available=False,
                               native=None) == 'bf16'


def test_a_wrapper_the_config_chose_is_kept():
    cfg = _demo(cpu_precision='bf16')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    assert apply_cpu_precision(cfg, cuda_available=False,
                               native='AMX') is None
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match='cpu_precision'):
        apply_cpu_precision(Config(dict(cpu_precision='fp16')),
                            cuda_available=False, native='AMX')


def test_fp32_flag_switches_cpu_bf16_off():
    train = _train_tool()
    cfg = train.merge_args(_demo(cpu_precision='auto'),
                           train.parse_args([DEMO_CONFIG, '--fp32']))
    assert cfg.cpu_precision == 'fp32' and cfg.gpu_precision == 'fp32'
    assert apply_cpu_precision(cfg, cuda_available=False,
                               native='AMX') is None


def test_amp_and_fp32_together_are_refused():
    train = _train_tool()
    with pytest.raises(ValueError, match='--amp and --fp32'):
        train.merge_args(_demo(), train.parse_args(
            [DEMO_CONFIG, '--amp', '--fp32']))


def test_cpu_precision_is_an_accepted_override():
    from mcg.utils.config_overrides import load_config
    assert load_config(DEMO_CONFIG, {'cpu_precision': 'fp32'}
                       ).cpu_precision == 'fp32'


@pytest.mark.parametrize('training', [True, False])
def test_only_training_runners_switch(monkeypatch, training):
    monkeypatch.setattr(launch.Runner, 'from_cfg', staticmethod(lambda c: c))
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = launch.build_runner(_demo(cpu_precision='bf16'), training=training)
    assert (cfg.optim_wrapper.type == 'AutocastOptimWrapper') is training



@pytest.mark.slow
def test_train_tool_reports_the_precision_auto_took(shapesqa_tiny, tmp_path):
    from mcg.engine.precision import cpu_native_bf16
    from tests.conftest import micro_model_options, options_to_argv, run_tool
    opts = micro_model_options(shapesqa_tiny)
    opts.update({'train_cfg.max_epochs': 1, 'cpu_precision': 'auto'})
    res = run_tool(['tools/train.py', DEMO_CONFIG, '--work-dir',
                    str(tmp_path)] + options_to_argv(opts))
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-3000:]
    native = cpu_native_bf16()
    if torch.cuda.is_available():
        assert 'CPU precision' not in log
    elif native:
        assert f'bf16 autocast for training (this CPU has {native}' in log
        assert "type='AutocastOptimWrapper'" in log
    else:
        assert "CPU precision: fp32 (cpu_precision='auto'" in log
