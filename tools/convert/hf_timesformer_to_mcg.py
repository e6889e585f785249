"""Convert Hugging Face TimesformerModel weights into mcg's video encoder.

Examples:
    python tools/convert/hf_timesformer_to_mcg.py \
        facebook/timesformer-base-finetuned-k400 timesformer_k400_mcg.pth
    python tools/convert/hf_timesformer_to_mcg.py ./hf_dir out.pth \
        --img-size 384 --num-frames 8

The output loads with ``--cfg-options model.video_encoder.pretrained=out.pth``
(or as part of a whole-model ``load_from``: keys carry ``video_encoder.``).
HF orders output tokens space-major, mcg time-major; see
``mcg.weights.video_encoder.hf_to_mcg_tokens``.
"""
import argparse
import os

from _common import load_source, save

from mcg.weights.video_encoder import hf_timesformer_to_mcg
from mcg.weights.video_encoder_loading import read_state_dict


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src', help='HF hub id, model directory, or a .bin / '
                   '.safetensors state dict')
    p.add_argument('dst', help='output .pth')
    p.add_argument('--img-size', type=int, help='target resolution (2-D '
                   'resize of the position embedding)')
    p.add_argument('--patch-size', type=int, default=16)
    p.add_argument('--num-frames', type=int, help='target frames (time '
                   'embedding resized by nearest interpolation)')
    p.add_argument('--prefix', default='video_encoder.',
                   help="key prefix in the output ('' for bare encoder keys)")
    return p.parse_args(argv)


def load(src: str):
    if os.path.isfile(src):
        return read_state_dict(src)
    from transformers import TimesformerModel
    return TimesformerModel.from_pretrained(src).state_dict()


def main(argv=None) -> int:
    args = parse_args(argv)
    sd = load_source(load, args.src, 'HF Timesformer weights')
    num_patches = ((args.img_size // args.patch_size) ** 2
                   if args.img_size else None)
    conv = hf_timesformer_to_mcg(sd, num_patches, args.num_frames)
    save(conv, args.dst, args.src, args.prefix)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
