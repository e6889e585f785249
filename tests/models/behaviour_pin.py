"""Fixed-seed losses and predictions that pin the model's behaviour.

``compute_pin(data_root)`` trains micro versions of the shipped ShapesQA
configs for a few steps on the ``tiny`` preset and returns, per config, every
``loss_*``/``acc_*`` value of each step and the predictions of a small
evaluation. ``behaviour_pin.json`` holds what the code computed when the pin
was written; refactors of the model/loss/head contract must reproduce it
(``tests/models/test_behaviour_pin.py``). Regenerate only for an intended
change of behaviour:

    python -m tests.models.behaviour_pin --write
"""
import argparse
import copy
import json
import os.path as osp
from typing import Dict, List

import torch
from mmengine.config import Config

from tests.conftest import REPO, micro_model_options

PIN_FILE = osp.join(osp.dirname(osp.abspath(__file__)), 'behaviour_pin.json')
STEPS = 3
BATCH = 4
#: name -> (config, options beyond the micro model, data sub-folder)
CASES = {
    # ICL + TCL + VTM + LM on captions and questions (Eq. 11).
    'pretrain': ('configs/shapesqa/mcg_tiny_shapesqa_pretrain.py',
                 {'model.head.output_vocab': None}, ''),
    # The demo: generator (LM) + its ICL term, 'fusor+video' memory.
    'generator': ('configs/shapesqa/mcg_tiny_shapesqa.py', {}, ''),
    'classifier': ('configs/shapesqa/heads/mcg_tiny_shapesqa_ch.py',
                   {'model.head.in_dims': 32}, ''),
    # Multiple choice scored by the VTM head, and by the answer likelihood.
    'mc_vtm': ('configs/shapesqa/heads/mcg_tiny_shapesqa_mc_vtm.py', {}, 'mc'),
    'mc_likelihood': ('configs/shapesqa/heads/mcg_tiny_shapesqa_mc_lik.py',
                      {}, 'mc'),
}


def _config(config: str, extra: Dict, data_root: str,
            linear_impl: str) -> Config:
    cfg = Config.fromfile(osp.join(REPO, config))
    classifier = cfg.model.head.type == 'AnswerClassifierHead'
    opts = {k: v for k, v in micro_model_options(data_root).items()
            if k.startswith('model.')
            and not (classifier and k.startswith('model.head.'))}
    if classifier:
        opts['model.head.answer_file'] = osp.join(data_root, 'train_a.json')
    elif cfg.model.head.get('output_vocab') is None:
        opts['model.head.output_vocab'] = None
    opts.update(extra)
    opts['model.linear_impl'] = linear_impl
    cfg.merge_from_dict(opts)
    return cfg


def _dataset(cfg_dataset, root: str):
    from mcg.registry import DATASETS
    ds = copy.deepcopy(cfg_dataset)
    if ds.get('type') == 'MultiSourceDataset':
        for sub in ds['datasets']:
            sub['data_root'] = root
    else:
        ds['data_root'] = root
    return DATASETS.build(ds)


def _batch(dataset, start: int, size: int):
    from mcg.datasets.collate import videoqa_collate
    return videoqa_collate([dataset[i % len(dataset)]
                            for i in range(start, start + size)])


def _round(x: float) -> float:
    return float(f'{float(x):.7g}')


def run_case(config: str, extra: Dict, data_root: str,
             linear_impl: str = 'aten') -> Dict:
    """Losses of ``STEPS`` AdamW steps, then predictions on the val split."""
    from mcg.registry import MODELS
    cfg = _config(config, extra, data_root, linear_impl)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    train = _dataset(cfg.train_dataloader.dataset, data_root)
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-3)
    steps: List[Dict] = []
    model.train()
    for step in range(STEPS):
        torch.manual_seed(100 + step)
        data = model.data_preprocessor(_batch(train, step * BATCH, BATCH), True)
        out = model(**data, mode='loss')
        loss = sum(v for k, v in out.items() if k.startswith('loss_'))
        optim.zero_grad()
        loss.backward()
        optim.step()
        steps.append({k: _round(v.detach()) for k, v in sorted(out.items())})
    model.eval()
    preds = []
    if cfg.get('val_dataloader') is None:        # pre-training: losses only
        return {'steps': steps, 'predictions': preds}
    val = _dataset(cfg.val_dataloader.dataset, data_root)
    for start in range(0, min(len(val), 8), BATCH):
        data = model.data_preprocessor(_batch(val, start, BATCH), False)
        for s in model(**data, mode='predict'):
            row = {'answer': s.pred_answer}
            if 'pred_label' in s:
                row['label'] = int(s.pred_label)
                row['scores'] = [_round(v) for v in s.pred_scores]
            preds.append(row)
    return {'steps': steps, 'predictions': preds}


def compute_pin(data_root: str, linear_impl: str = 'aten') -> Dict:
    """Every case of :data:`CASES` on the ShapesQA ``tiny`` preset.

    ``linear_impl='aten'`` is the linear backend the pin was written with
    (before :mod:`mcg.layers.linear` existed); other backends round
    differently.
    """
    from mcg import register_all_modules
    register_all_modules(init_default_scope=False)
    torch.set_num_threads(1)
    return {name: run_case(config, extra, osp.join(data_root, sub),
                           linear_impl)
            for name, (config, extra, sub) in CASES.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--write', action='store_true',
                        help=f'write {osp.basename(PIN_FILE)}')
    args = parser.parse_args()
    import tempfile
    from mcg.datasets.shapesqa.generate import generate_shapesqa
    with tempfile.TemporaryDirectory() as root:
        generate_shapesqa(root, preset='tiny', seed=0)
        pin = compute_pin(root)
    text = json.dumps(pin, indent=1)
    if args.write:
        with open(PIN_FILE, 'w', encoding='utf-8') as f:
            f.write(text + '\n')
    print(text)


if __name__ == '__main__':
    main()
