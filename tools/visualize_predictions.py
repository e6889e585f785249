"""Render questions of a tools/test.py --dump file: frames, question, answers.

The frames are the ones the config's test pipeline samples, in order; the
prediction is green when right and red when wrong. One PNG per question
and, for several, an index.html page (the paper's Fig. 8 in miniature).

Example:
    python tools/test.py CONFIG CKPT --dump preds.json
    python tools/visualize_predictions.py CONFIG preds.json --out vis --num 20
    python tools/visualize_predictions.py CONFIG preds.json --out vis \
        --ids v_synte00003_3 v_synte00007_1
"""
import argparse
import os.path as osp
import sys


from mmengine.config import DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='the config the dump was made with')
    parser.add_argument('dump', help='tools/test.py --dump file')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--ids', nargs='+', default=(), help='question ids')
    parser.add_argument('--num', type=int, default=12,
                        help='without --ids: this many questions')
    parser.add_argument('--only', choices=('right', 'wrong'),
                        help='without --ids: only right or wrong answers')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides, e.g. data_root=...')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mcg.apis.configs import load_run_config
    from mcg.visualization import (PredictionFigure, load_dump, render_html,
                                   select_records)
    cfg = load_run_config(args.config, args.cfg_options)
    records = select_records(load_dump(args.dump), args.ids, args.num, args.only)
    if not records:
        print('no question matches the selection', file=sys.stderr)
        return 2
    figure = PredictionFigure(cfg)
    images = [figure.render(r, osp.join(args.out, f"{r['question_id']}.png"))
              for r in records]
    page = render_html(records, images, osp.join(args.out, 'index.html'))
    print(f'{len(images)} figures in {args.out}; page {page}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
