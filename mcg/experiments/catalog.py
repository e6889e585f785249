"""The paper's experiments in miniature, as lists of config-swap runs.

Every configuration is a shipped config with ``--cfg-options`` overrides:

* pre-training: ``configs/shapesqa/mcg_tiny_shapesqa_pretrain_captions.py``
  (captions-only corpus, Eq. 11), ablations by loss weight;
* fine-tuning: the demo recipe ``configs/shapesqa/mcg_tiny_shapesqa.py``
  (generator, CCG) or its classifier swap
  ``configs/shapesqa/heads/mcg_tiny_shapesqa_ch.py`` (MCG-CH), in a
  label-scarce regime (a fraction of the training videos, all their
  questions) with a fixed budget of epochs.

Pre-training runs once per configuration (seed 0); each fine-tuning row runs
with every seed. Profiles scale everything: ``demo`` is the measured one,
``tiny`` exists for the orchestration test.
"""
from __future__ import annotations

from typing import Dict, List

from .runs import Run

PRETRAIN = 'configs/shapesqa/mcg_tiny_shapesqa_pretrain_captions.py'
GENERATOR = 'configs/shapesqa/mcg_tiny_shapesqa.py'
CLASSIFIER = 'configs/shapesqa/heads/mcg_tiny_shapesqa_ch.py'
EXPERIMENTS = ('retrieval', 'table5', 'fig4', 'fig5', 'table6')
FRAMES = (2, 4, 8, 12, 16)
WORD_EMBEDDINGS = 'text_encoder.bert.embeddings.word_embeddings'
MCG_ROW = 'w/ JUM & MCL & CCG (MCG)'
#: Frames of the fine-tuning recipe (``num_frames`` of :data:`GENERATOR`).
RECIPE_FRAMES = 8

#: Data preset, pre-training and fine-tuning overrides per profile.
PROFILES: Dict[str, Dict] = {
    'demo': dict(
        preset='demo',
        pretrain={},
        # 240 of the 1,200 training videos (20 % of the questions), a fixed
        # budget of 20 epochs (600 steps of 8 videos), decay from epoch 15.
        finetune={'max_epochs': 20, 'decay_from': 15,
                  'train_dataloader.dataset.indices': 240},
        train_videos=240),
    'tiny': dict(
        preset='tiny',
        pretrain={'max_epochs': 2, 'batch_size': 8},
        finetune={'max_epochs': 2, 'decay_from': 1,
                  'train_dataloader.batch_size': 2,
                  'val_dataloader.num_workers': 0,
                  'val_dataloader.persistent_workers': False,
                  'test_dataloader.num_workers': 0,
                  'test_dataloader.persistent_workers': False},
        train_videos=2),
}


def _pretrain(name: str, profile: Dict, **losses_off) -> Run:
    options = dict(profile['pretrain'])
    options.update({f'model.losses.{k}.weight': 0.0 for k in losses_off})
    return Run(name=name, config=PRETRAIN, kind='pretrain', seed=0,
               options=options, labels={'pretrain': name})


def _finetune(name: str, config: str, profile: Dict, seed: int,
              init_from=None, extra=None, **labels) -> Run:
    options = dict(profile['finetune'])
    options.update(extra or {})
    return Run(name=f'{name}_s{seed}', config=config, kind='finetune',
               seed=seed, options=options, init_from=init_from,
               labels={'row': name, **labels})


def retrieval_runs(profile: Dict, seeds: int) -> List[Run]:
    """Pre-training with the full objective, once per seed."""
    runs = []
    for seed in range(seeds):
        run = _pretrain(f'pretrain_mcl_s{seed}', profile)
        run.seed = seed
        runs.append(run)
    return runs


def table5_runs(profile: Dict, seeds: int) -> List[Run]:
    """Table V: baseline -> w/ JUM -> w/ JUM & MCL -> full MCG; and scratch."""
    pre = _pretrain('pretrain_mcl', profile)
    frozen = {'model.frozen_parameters': [WORD_EMBEDDINGS, 'video_encoder']}
    rows = [
        ('baseline', CLASSIFIER, None, frozen),
        ('w/ JUM', CLASSIFIER, None, None),
        ('w/ JUM & MCL (MCG-CH)', CLASSIFIER, pre.name, None),
        ('w/ JUM & CCG (scratch)', GENERATOR, None, None),
    ]
    runs = [pre]
    for seed in range(seeds):
        for row, config, init, extra in rows:
            runs.append(_finetune(_slug(row), config, profile, seed, init,
                                  extra, table_row=row))
        runs.append(_mcg(profile, seed, table_row=MCG_ROW))
    return runs


def _mcg(profile: Dict, seed: int, **labels) -> Run:
    """The full MCG fine-tuning row, one run shared by Table V, Fig. 4 and
    Table VI (its 8 frames)."""
    return _finetune(_slug(MCG_ROW), GENERATOR, profile, seed, 'pretrain_mcl',
                     **labels)


def fig4_runs(profile: Dict, seeds: int) -> List[Run]:
    """Fig. 4: pre-training without ICL, without TCL, with both."""
    variants = [('MCL (ICL+TCL)', {}), ('w/o ICL', dict(icl=0)),
                ('w/o TCL', dict(tcl=0))]
    # The full objective is the same run as Table V's ``pretrain_mcl``.
    pres = [_pretrain('pretrain_mcl' if not off else f'pretrain_{_slug(v)}',
                      profile, **off) for v, off in variants]
    runs = list(pres)
    for seed in range(seeds):
        runs.append(_mcg(profile, seed, variant=variants[0][0]))
        for (variant, _), pre in zip(variants[1:], pres[1:]):
            runs.append(_finetune(f'fig4_{_slug(variant)}', GENERATOR, profile,
                                  seed, pre.name, variant=variant))
    return runs


def fig5_runs(profile: Dict, seeds: int) -> List[Run]:
    """Fig. 5: MCG-CH vs the generator, validation every epoch, train accuracy."""
    pre = _pretrain('pretrain_mcl', profile)
    runs = [pre]
    for seed in range(seeds):
        for head, config in (('MCG-CH', CLASSIFIER), ('MCG', GENERATOR)):
            run = _finetune(f'fig5_{_slug(head)}', config, profile, seed, pre.name,
                            {'train_cfg.val_interval': 1}, head=head)
            run.eval_train = profile['train_videos']
            runs.append(run)
    return runs


def table6_runs(profile: Dict, seeds: int) -> List[Run]:
    """Table VI / Fig. 6: frames sampled in fine-tuning and testing."""
    pre = _pretrain('pretrain_mcl', profile)
    runs = [pre]
    for seed in range(seeds):
        for frames in FRAMES:
            if frames == RECIPE_FRAMES:
                runs.append(_mcg(profile, seed, frames=frames))
                continue
            runs.append(_finetune(
                f'table6_{frames}f', GENERATOR, profile, seed, pre.name,
                {'num_frames': frames, 'model.video_encoder.num_frames': frames},
                frames=frames))
    return runs


RUNS = dict(retrieval=retrieval_runs, table5=table5_runs, fig4=fig4_runs,
            fig5=fig5_runs, table6=table6_runs)


def experiment_runs(experiment: str, profile: str, seeds: int) -> List[Run]:
    """The runs of one experiment (pre-training runs first).

    Args:
        experiment: One of :data:`EXPERIMENTS`.
        profile: A key of :data:`PROFILES`.
        seeds: Fine-tuning seeds per row (pre-training seeds for retrieval).

    Returns:
        The runs.
    """
    if experiment not in RUNS:
        raise ValueError(f'unknown experiment {experiment!r}; choose from {EXPERIMENTS}')
    if seeds < 1:
        raise ValueError('seeds must be >= 1')
    return RUNS[experiment](PROFILES[profile], seeds)


def _slug(text: str) -> str:
    keep = ''.join(c if c.isalnum() else '_' for c in text.lower())
    return '_'.join(p for p in keep.split('_') if p)
