"""Initialise mcg's video encoder from a timm ImageNet ViT, offline-ready.

Run it where the hub is reachable (or on a local timm checkpoint) and copy the
output to the training machine:

    python tools/convert/timm_vit_to_mcg.py \
        vit_base_patch16_224.augreg2_in21k_ft_in1k vit_b16_384_8f.pth \
        --img-size 384 --num-frames 8

then train with
``--cfg-options model.video_encoder.pretrained=vit_b16_384_8f.pth``.
Temporal attention starts as a copy of spatial attention, ``temporal_fc`` and
the time embedding as zeros, the position embedding is resized in 2-D.
"""
import argparse
import os

from _common import load_source, save

from mcg.weights.video_encoder import timm_vit_to_mcg
from mcg.weights.video_encoder_loading import read_state_dict


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src', help='timm model name or a local state dict')
    p.add_argument('dst', help='output .pth')
    p.add_argument('--img-size', type=int, default=224)
    p.add_argument('--patch-size', type=int, default=16)
    p.add_argument('--num-frames', type=int, default=8)
    p.add_argument('--prefix', default='video_encoder.')
    return p.parse_args(argv)


def load(src: str):
    if os.path.isfile(src):
        return read_state_dict(src)
    import timm
    try:
        return timm.create_model(src, pretrained=True,
                                 num_classes=0).state_dict()
    except RuntimeError as exc:
        raise OSError(str(exc)) from exc


def main(argv=None) -> int:
    args = parse_args(argv)
    sd = load_source(load, args.src, 'ImageNet ViT weights')
    conv = timm_vit_to_mcg(sd, (args.img_size // args.patch_size) ** 2,
                           args.num_frames)
    save(conv, args.dst, args.src, args.prefix)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
