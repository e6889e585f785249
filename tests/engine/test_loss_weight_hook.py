"""LossWeightScheduleHook: loss weights as a function of training progress."""
from types import SimpleNamespace

import pytest
from mmengine.logging import MessageHub
from mmengine.model import MMDistributedDataParallel
from mmengine.runner import Runner
from torch import nn

from mcg.engine import LossWeightScheduleHook


class _Loss(nn.Module):

    def __init__(self, weight):
        super().__init__()
        self.weight = weight


def _runner(model, iters_per_epoch=10):
    return SimpleNamespace(
        model=model, iter=0, train_dataloader=[None] * iters_per_epoch,
        message_hub=MessageHub.get_instance('mcg_test_loss_weights'))


def _model(**weights):
    model = nn.Module()
    model.losses = nn.ModuleDict({k: _Loss(w) for k, w in weights.items()})
    return model


def _ddp(model):
    # A wrapper instance without a process group: only its type and
    # attributes matter here.
    wrapper = MMDistributedDataParallel.__new__(MMDistributedDataParallel)
    nn.Module.__init__(wrapper)
    wrapper.module = model
    return wrapper


def test_linear_fade_between_begin_and_end():
    hook = LossWeightScheduleHook(dict(
        icl=dict(begin=2, end=4, end_factor=0.25),
        vtm=dict(begin=0, end=1, start_factor=0.0, end_factor=1.0)))
    model = _model(icl=2.0, vtm=3.0, lm=1.0)
    runner = _runner(model)
    hook.before_train(runner)
    seen = []
    for it in (0, 5, 20, 30, 40, 55):
        runner.iter = it
        hook.before_train_iter(runner, it)
        seen.append((model.losses.icl.weight, model.losses.vtm.weight))
    assert seen == [(2.0, 0.0), (2.0, 1.5), (2.0, 3.0), (1.25, 3.0),
                    (0.5, 3.0), (0.5, 3.0)]
    assert model.losses.lm.weight == 1.0  # unscheduled losses untouched
    logged = runner.message_hub.get_scalar('train/weight_icl')
    assert logged.current() == 0.5


def test_by_iteration_and_resume_gives_the_same_weight():
    spec = dict(icl=dict(begin=100, end=300))
    first, resumed = _model(icl=1.0), _model(icl=1.0)
    for model, it in ((first, 0), (resumed, 200)):
        runner = _runner(model)
        runner.iter = it
        hook = LossWeightScheduleHook(spec, by_epoch=False)
        hook.before_train(runner)  # a resumed run starts from its iteration
        if it == 0:
            runner.iter = 200
            hook.before_train_iter(runner, 0)
    assert first.losses.icl.weight == resumed.losses.icl.weight == 0.5


@pytest.mark.parametrize('spec, match', [
    (dict(icl=dict(begin=3)), 'must give begin and end'),
    (dict(icl=dict(begin=1, end=2, slope=1)), 'must give begin and end'),
    (dict(icl=dict(begin=5, end=2)), 'begin <= end'),
    (dict(icl=dict(begin=1, end=2, end_factor=-1)), 'factors must be >= 0'),
    ({}, 'at least one schedule'),
])
def test_bad_schedules_are_refused(spec, match):
    with pytest.raises(ValueError, match=match):
        LossWeightScheduleHook(spec)


def test_unknown_loss_name_is_refused():
    hook = LossWeightScheduleHook(dict(itc=dict(begin=0, end=1)))
    with pytest.raises(KeyError, match=r"no loss named \['itc'\].*'icl'"):
        hook.before_train(_runner(_model(icl=1.0, lm=1.0)))


def test_fading_to_zero_under_ddp_needs_find_unused_parameters():
    wrapper = _ddp(_model(icl=1.0))
    wrapper.find_unused_parameters = False
    hook = LossWeightScheduleHook(dict(icl=dict(begin=0, end=1)))
    with pytest.raises(ValueError, match='find_unused_parameters=True'):
        hook.before_train(_runner(wrapper))
    wrapper.find_unused_parameters = True
    hook.before_train(_runner(wrapper))
    assert wrapper.module.losses.icl.weight == 1.0


def test_training_run_fades_icl_out_and_then_skips_it(micro_cfg, tmp_path):
    # Tiny preset: 6 videos, 3 per step -> 2 iterations per epoch.
    micro_cfg.work_dir = str(tmp_path)
    micro_cfg.train_cfg.val_interval = 10
    micro_cfg.default_hooks.checkpoint.interval = 10
    micro_cfg.custom_hooks = [dict(
        type='LossWeightScheduleHook',
        schedules=dict(icl=dict(begin=0.5, end=1.5, end_factor=0.0)))]
    runner = Runner.from_cfg(micro_cfg)
    runner.train()
    hub = runner.message_hub
    weights, _ = hub.get_scalar('train/weight_icl').data
    assert list(weights) == [2.0, 2.0, 1.0, 0.0]
    # The last iteration ran with ICL off: logged as 0, not its last value.
    losses, _ = hub.get_scalar('train/loss_icl').data
    assert len(losses) == 4 and losses[2] > 0 and losses[3] == 0
    assert len(hub.get_scalar('train/loss_lm').data[0]) == 4


def test_unwrap_model_reaches_the_model_in_wrappers():
    from mcg.engine.model_utils import unwrap_model
    model = _model(icl=1.0)
    wrapper = _ddp(model)
    assert unwrap_model(wrapper) is model and unwrap_model(model) is model
