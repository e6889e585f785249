"""Configs that switch a loss off (weight 0) train under 2-rank DDP (gloo)."""
import glob
import os
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config

from tests.conftest import REPO, micro_model_options

WO_MCL = osp.join(REPO, 'configs/shapesqa/ablations/'
                  'mcg_tiny_shapesqa_pretrain_wo_mcl.py')
SHAPESQA_PRETRAIN = osp.join(REPO,
                             'configs/shapesqa/mcg_tiny_shapesqa_pretrain.py')
SHAPESQA_MC = osp.join(REPO, 'configs/shapesqa/mcg_tiny_shapesqa_mc.py')


def shipped_configs_with_losses_off():
    """Every shipped (non-base) config with a weight-0 loss, by path."""
    from mcg.engine.launch import switched_off_losses
    found = {}
    for path in sorted(glob.glob(osp.join(REPO, 'configs/**/*.py'),
                                 recursive=True)):
        if '/_base_/' in path:
            continue
        cfg = Config.fromfile(path)
        off = [n for n, loss in (cfg.model.get('losses') or {}).items()
               if loss is not None and float(loss.get('weight', 1)) == 0]
        if off:
            assert switched_off_losses(cfg) == sorted(off), path
            found[osp.relpath(path, REPO)] = cfg
    return found


SHIPPED = shipped_configs_with_losses_off()


def _signature(cfg):
    head = cfg.model.head.get('choice_scorer')
    return repr((sorted(cfg.model.losses.to_dict().items()),
                 head and head.to_dict()))


# One 2-rank run per distinct set of losses (the paper's multiple-choice
# configs share theirs).
GROUPS = {}
for _name, _cfg in SHIPPED.items():
    GROUPS.setdefault(_signature(_cfg), []).append(_name)


def test_the_known_ablations_are_found():
    assert {
        'configs/shapesqa/ablations/mcg_tiny_shapesqa_pretrain_wo_mcl.py',
        'configs/mcg/ablations/mcg_tab5-wo-icl_pretrain_webvid-cc3m-tgif_4f'
        '.py',
        'configs/mcg/ablations/mcg_tab5-wo-tcl_pretrain_webvid-cc3m-tgif_4f'
        '.py',
    } <= set(SHIPPED)


def test_distributed_runs_get_find_unused_parameters():
    from mcg.engine.launch import find_unused_parameters_for_losses_off
    cfg = Config.fromfile(WO_MCL)
    find_unused_parameters_for_losses_off(cfg)      # launcher 'none'
    assert not cfg.get('model_wrapper_cfg')
    cfg.launcher = 'pytorch'
    find_unused_parameters_for_losses_off(cfg)
    assert cfg.model_wrapper_cfg.find_unused_parameters is True
    # A config's own choice is kept.
    cfg = Config.fromfile(WO_MCL)
    cfg.launcher = 'pytorch'
    cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel',
                                 find_unused_parameters=False)
    find_unused_parameters_for_losses_off(cfg)
    assert cfg.model_wrapper_cfg.find_unused_parameters is False
    # All losses on: DDP's default (no graph search) stays.
    cfg = Config.fromfile(SHAPESQA_PRETRAIN)
    cfg.launcher = 'pytorch'
    find_unused_parameters_for_losses_off(cfg)
    assert not cfg.get('model_wrapper_cfg')


def test_a_schedule_fading_to_zero_counts():
    from mcg.engine.launch import switched_off_losses
    cfg = Config.fromfile(SHAPESQA_PRETRAIN)
    cfg.custom_hooks = [dict(type='LossWeightScheduleHook', schedules=dict(
        tcl=dict(begin=1, end=2)))]
    assert switched_off_losses(cfg) == ['tcl']


def _ranks_train(config, options, work_dir):
    argv = ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS='1',
               PORT=str(29600 + os.getpid() % 900))
    res = subprocess.run(
        ['bash', 'tools/dist_train.sh', config, '2', '--work-dir', work_dir,
         '--no-validate'] + argv,
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-3000:]
    assert 'find_unused_parameters=True' in log
    return log


def _pretrain_options(data_root):
    opts = {k: v for k, v in micro_model_options(data_root).items()
            if k.startswith(('model.', 'default_hooks.'))
            and k != 'model.head.output_vocab'}
    for i in (0, 1):
        opts[f'train_dataloader.dataset.datasets.{i}.data_root'] = data_root
    opts.update({'train_dataloader.batch_size': 2,
                 'train_dataloader.sampler.num_samples': 8,  # 2 iterations
                 'train_cfg.max_epochs': 1,
                 'model.head.max_answer_len': 12})
    return opts


def _losses_on_micro_pretrain(tmp_path, name, losses):
    """A ShapesQA pre-training config with the losses of a shipped one."""
    path = tmp_path / f'{name}.py'
    path.write_text(f'_base_ = [{SHAPESQA_PRETRAIN!r}]\n'
                    'model = dict(losses=dict(_delete_=True, '
                    f'**{losses!r}))\n')
    return str(path)


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(g[0] for g in GROUPS.values()))
def test_shipped_config_with_a_loss_off_trains_on_two_ranks(
        shapesqa_tiny, tmp_path, name):
    cfg = SHIPPED[name]
    losses = cfg.model.losses.to_dict()
    if name == osp.relpath(WO_MCL, REPO):
        config, opts = WO_MCL, _pretrain_options(shapesqa_tiny)
    elif 'choice' in losses:
        # Multiple-choice configs (VTM at weight 0 lends its head to the
        # choice scorer): their head and losses on the ShapesQA MC demo.
        path = tmp_path / 'mc.py'
        head = cfg.model.head.choice_scorer.to_dict()
        path.write_text(
            f'_base_ = [{SHAPESQA_MC!r}]\n'
            f'model = dict(head=dict(choice_scorer={head!r}), '
            f'losses=dict(_delete_=True, **{losses!r}))\n')
        config = str(path)
        opts = {k: v for k, v in micro_model_options(
            osp.join(shapesqa_tiny, 'mc')).items()
            if not k.startswith(('val_', 'test_', 'train_cfg.val'))}
        # 2 ranks x 1 video (its questions) per step: 2 of the 6 videos'
        # steps; the choice options are not all training answers.
        opts.update({'train_dataloader.batch_size': 1,
                     'train_cfg.max_epochs': 1,
                     'model.head.output_vocab': 'None'})
    else:
        # Paper pre-training ablations: their losses on the micro model and
        # the ShapesQA pre-training data.
        config = _losses_on_micro_pretrain(tmp_path, 'paper', losses)
        opts = _pretrain_options(shapesqa_tiny)
    log = _ranks_train(config, opts, str(tmp_path / 'work'))
    assert 'Epoch(train) [1][2/' in log
