"""Ask a trained model questions about videos; prints JSON lines.

Examples:
    python tools/infer.py CONFIG CHECKPOINT --video clip.mp4 \
        --question "what color is the object that appears later"
    python tools/infer.py CONFIG CHECKPOINT --questions-file qs.jsonl
(each line of qs.jsonl: {"video": "path.mp4", "question": "..."})
"""
import argparse
import json
import os.path as osp
import sys
from collections import OrderedDict

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import DictAction  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Video question answering')
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--video', help='a video file')
    p.add_argument('--question', action='append',
                   help='a question (repeat for several)')
    p.add_argument('--questions-file',
                   help='JSON lines with "video" and "question" keys')
    p.add_argument('--device', default='cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config keys')
    args = p.parse_args(argv)
    if bool(args.questions_file) == bool(args.video):
        p.error('give either --video with --question, or --questions-file')
    if args.video and not args.question:
        p.error('--video needs at least one --question')
    return args


def read_requests(path):
    """Group (video, question) requests by video, keeping file order."""
    groups = OrderedDict()
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            if 'video' not in rec or 'question' not in rec:
                raise ValueError(f'{path}:{n}: needs "video" and "question"')
            groups.setdefault(rec['video'], []).append(rec['question'])
    return groups


def main(argv=None) -> int:
    args = parse_args(argv)
    from tqdm import tqdm

    from mcg.apis import VideoQAInferencer
    try:
        groups = (read_requests(args.questions_file) if args.questions_file
                  else OrderedDict([(args.video, args.question)]))
        missing = [v for v in groups if not osp.isfile(v)]
        if missing:
            raise FileNotFoundError(f'video not found: {missing[0]}'
                                    + (f' (and {len(missing) - 1} more)'
                                       if len(missing) > 1 else ''))
        infer = VideoQAInferencer(args.config, args.checkpoint, args.device,
                                  cfg_options=args.cfg_options)
        for video, questions in tqdm(groups.items(), disable=len(groups) < 2,
                                     file=sys.stderr, desc='videos'):
            for rec in infer(video, questions):
                print(json.dumps(dict(video=video, **rec)), flush=True)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f'mcg: {exc}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
