"""Caption-video retrieval with the ICL space of a pre-training checkpoint.

Encodes the clips and captions of a caption dataset with a pre-training
config's model and reports recall@K of text-to-video and video-to-text
retrieval by the ICL similarity (Eq. 1): a direct check of what
instance-grained pre-training learned. The captions are the first caption
source of the config's training data, read from ``--split`` (by default the
ShapesQA val captions).
The measurement itself is :func:`mcg.experiments.retrieval.caption_retrieval`
(also used by ``tools/reproduce.py retrieval``).

Example:
    python tools/analysis_retrieval.py \
        configs/shapesqa/mcg_tiny_shapesqa_pretrain.py \
        work_dirs/mcg_tiny_shapesqa_pretrain/epoch_2.pth --split val
"""
import argparse
import sys

from mmengine.config import DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='pre-training config (with an ICL '
                        'loss and a caption source first in its dataset)')
    parser.add_argument('checkpoint', help="checkpoint, or 'none' for the "
                        'randomly initialised model')
    parser.add_argument('--split', default='val')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--ks', type=int, nargs='+', default=[1, 5, 10])
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. data_root=...')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch

    from mcg.apis.configs import eval_dataset_config, load_run_config
    from mcg.engine.load_report import load_pretrained
    from mcg.experiments.retrieval import caption_retrieval
    from mcg.registry import DATASETS, MODELS

    cfg = load_run_config(args.config, args.cfg_options)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    if args.checkpoint != 'none':
        # The pre-training weights that fit (heads of other tasks dropped),
        # with a report of what did not.
        print(load_pretrained(model, args.checkpoint).summary())
    dataset = DATASETS.build(eval_dataset_config(
        cfg.train_dataloader.dataset.datasets[0], args.split))
    res = caption_retrieval(model, dataset, batch_size=args.batch_size,
                            ks=args.ks)
    n = int(res['num_clips'])
    print(f'{n} caption/clip pairs')
    for name, prefix in (('text->video', ''), ('video->text', 'v2t_')):
        recalls = ', '.join(f'R@{k} {100 * res[f"{prefix}R@{k}"]:.1f}'
                            for k in args.ks)
        print(f'{name}: {recalls} (chance R@1 {100 / n:.1f})')
    if 'acc_vtm' in res:
        print(f"VTM: accuracy {100 * res['acc_vtm']:.1f} (constant 'not "
              f"matched' {100 * res['acc_vtm_constant']:.1f})")
    return 0


if __name__ == '__main__':
    sys.exit(main())
