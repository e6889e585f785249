"""Convert an official MCG (OpenMICG/mcg) or ALPRO checkpoint for mcg.

Examples:
    # paper layout (configs/mcg/mcg_anetqa_8f.py), 8 frames at 384 px
    python tools/convert/official_to_mcg.py model_step_best.pt mcg_paper.pth \
        --layout paper --img-size 384 --num-frames 8
    # official layout (configs/mcg/variants/mcg_official-layout_anetqa_8f.py)
    python tools/convert/official_to_mcg.py model_step_best.pt mcg_off.pth \
        --layout official --img-size 384 --num-frames 8

Train or test from the result with ``load_from=<dst>`` (keys follow
``MCGVideoQA``). Every checkpoint key is either mapped or dropped with a
reason (``--report`` writes the full record as JSON); an unknown key stops
the conversion. See docs/model.md, "Checkpoint conversion".
"""
import argparse

from _common import dump_report, load_source, save

from mcg.weights.video_encoder_loading import read_state_dict
from mcg.weights.official import convert_official_checkpoint


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src', help='official checkpoint (.pt/.pth state dict)')
    p.add_argument('dst', help='output .pth')
    p.add_argument('--layout', choices=['paper', 'official'], default='paper')
    p.add_argument('--source', choices=['auto', 'mcg', 'alpro'],
                   default='auto')
    p.add_argument('--img-size', type=int, default=384)
    p.add_argument('--patch-size', type=int, default=16)
    p.add_argument('--num-frames', type=int, default=8)
    p.add_argument('--vocab-size', type=int, default=30523,
                   help='rows of the target word embeddings (bert-base-'
                   'uncased + [GEN])')
    p.add_argument('--share-fusor', action='store_true',
                   help='official layout whose fusor shares the text '
                   "encoder's layers (nothing copied into the fusor)")
    p.add_argument('--decoder-embeddings', choices=['auto', 'own', 'shared'],
                   default='auto',
                   help="own: the decoder's embeddings fill the generator's "
                   '(model.head.own_embeddings=True); shared: dropped except '
                   '[DEC]; auto: own for --layout official')
    p.add_argument('--enc-as-cls', choices=['auto', 'yes', 'no'],
                   default='auto',
                   help='write the [ENC] row (official questions start with '
                   'it) into the [CLS] row; auto: yes for --layout official')
    p.add_argument('--report', help='write mapped/dropped/added as JSON')
    return p.parse_args(argv)


def _choice(value: str, true: str):
    return None if value == 'auto' else value == true


def main(argv=None) -> int:
    args = parse_args(argv)
    sd = load_source(read_state_dict, args.src, 'official checkpoint')
    conv = convert_official_checkpoint(
        sd, layout=args.layout,
        source=None if args.source == 'auto' else args.source,
        num_patches=(args.img_size // args.patch_size) ** 2,
        num_frames=args.num_frames, vocab_size=args.vocab_size,
        share_fusor=args.share_fusor,
        own_decoder_embeddings=_choice(args.decoder_embeddings, 'own'),
        enc_as_cls=_choice(args.enc_as_cls, 'yes'))
    save(conv, args.dst, args.src, extra_meta=dict(layout=args.layout))
    if args.report:
        dump_report(conv, args.report)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
