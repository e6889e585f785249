"""Caption-video retrieval with the ICL space of a pre-training checkpoint.

Encodes the clips and captions of a caption dataset (by default the ShapesQA
val captions) with a pre-training config's model, and reports recall@K of
text-to-video and video-to-text retrieval by the ICL similarity (Eq. 1):
a direct check of what instance-grained pre-training learned.

Example:
    python tools/analysis_retrieval.py \
        configs/shapesqa/mcg_tiny_shapesqa_pretrain.py \
        work_dirs/mcg_tiny_shapesqa_pretrain/epoch_2.pth --split val
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='pre-training config (with an ICL '
                        'loss and a caption source first in its dataset)')
    parser.add_argument('checkpoint', help="checkpoint, or 'none' for the "
                        'randomly initialised model')
    parser.add_argument('--split', default='val')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--ks', type=int, nargs='+', default=[1, 5, 10])
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import copy

    import torch
    from mmengine.config import Config

    from mcg import register_all_modules
    from mcg.datasets.collate import videoqa_collate
    from mcg.engine.load_report import load_pretrained
    from mcg.registry import DATASETS, MODELS

    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    if args.checkpoint != 'none':
        print(load_pretrained(model, args.checkpoint).summary())
    model.eval()
    icl = model.losses['icl']
    source = copy.deepcopy(cfg.train_dataloader.dataset.datasets[0])
    source.update(split=args.split, test_mode=True)
    for step in source.pipeline:
        if 'Sampler' in step['type']:
            step['test_mode'] = True
    dataset = DATASETS.build(source)
    clips, texts = [], []
    with torch.no_grad():
        for start in range(0, len(dataset), args.batch_size):
            items = [dataset[i] for i in range(
                start, min(start + args.batch_size, len(dataset)))]
            batch = model.data_preprocessor(videoqa_collate(items))
            out = model.extract_feat(batch['inputs'], batch['data_samples'])
            clips.append(icl.clip_features(out['video_clips']))
            # One caption per clip in caption datasets.
            texts.append(icl.text_features(out['text']))
    clips, texts = torch.cat(clips), torch.cat(texts)
    if len(clips) != len(texts):
        raise ValueError('expects exactly one caption per clip')
    sim = texts @ clips.t()
    truth = torch.arange(len(sim))
    print(f'{len(sim)} {args.split} caption/clip pairs')
    for name, s in (('text->video', sim), ('video->text', sim.t())):
        ranks = (s > s[truth, truth][:, None]).sum(-1)
        recalls = ', '.join(f'R@{k} {100 * (ranks < k).float().mean():.1f}'
                            for k in args.ks)
        print(f'{name}: {recalls} (chance R@1 {100 / len(sim):.1f})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
