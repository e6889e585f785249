"""Ask a trained model questions about videos; prints JSON lines.

Examples:
    python tools/infer.py CONFIG CHECKPOINT --video clip.mp4 \
        --question "what color is the object that appears later"
    python tools/infer.py CONFIG CHECKPOINT --questions-file qs.jsonl
(each line of qs.jsonl: {"video": "path.mp4", "question": "..."})

A video that is missing or cannot be decoded does not stop a questions file:
its questions get ``"answer": null`` and ``"video_error"``, the unreadable
videos are listed on stderr at the end, and the exit code is 3.
"""
import argparse
import json
import os.path as osp
import sys
from collections import OrderedDict

from mmengine.config import DictAction


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
    p.add_argument('--non-strict', action='store_true',
                   help='answer even if the checkpoint does not fit the '
                   'model (what does not fit keeps its random init); by '
                   'default such a checkpoint is refused')
    args = p.parse_args(argv)
    if bool(args.questions_file) == bool(args.video):
        p.error('give either --video with --question, or --questions-file')
    if args.video and not args.question:
        p.error('--video needs at least one --question')
    return args


def read_requests(path):
    """Group (video, question) requests by video, keeping file order."""
    from mcg.datasets.text_files import read_json_lines
    groups = OrderedDict()
    for n, rec in read_json_lines(path):  # errors name file:line:column
        if not isinstance(rec, dict) or 'video' not in rec \
                or 'question' not in rec:
            raise ValueError(f'{path}:{n}: needs "video" and "question"')
        groups.setdefault(rec['video'], []).append(rec['question'])
    return groups


def answer_requests(infer, groups) -> 'OrderedDict[str, str]':
    """Print the answers about every readable video, in request order.

    Args:
        infer: A ``VideoQAInferencer``.
        groups: ``{video: [questions]}``.

    Returns:
        ``{video: reason}`` of the videos that could not be read; their
        questions are printed with a null answer and ``video_error``.
    """
    from mcg.datasets.transforms import VideoReadError
    from mcg.utils.progress import ProgressLine
    unreadable = OrderedDict()
    # Questions done, rate and ETA every few seconds on stderr.
    progress = None
    if len(groups) > 1:
        progress = ProgressLine('infer', unit='questions',
                                total=sum(map(len, groups.values())))
    for video, questions in groups.items():
        try:
            records = infer(video, questions)
        except FileNotFoundError:
            records, unreadable[video] = [], 'file not found'
        except ValueError as exc:
            if not isinstance(exc.__cause__, VideoReadError):
                raise
            records, unreadable[video] = [], exc.__cause__.reason
        if video in unreadable:
            records = [dict(question=q, answer=None,
                            video_error=unreadable[video]) for q in questions]
        for rec in records:
            print(json.dumps(dict(video=video, **rec)), flush=True)
        if progress is not None:
            progress.update(len(questions))
    if progress is not None:
        progress.close()
    return unreadable


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmengine.logging import MMLogger

    from mcg.apis import VideoQAInferencer

    # Answers (JSON lines) on stdout; log lines, mcg's and MMEngine's, on
    # stderr.
    for handler in MMLogger.get_current_instance().handlers:
        if getattr(handler, 'stream', None) is sys.stdout:
            handler.setStream(sys.stderr)
    try:
        groups = (read_requests(args.questions_file) if args.questions_file
                  else OrderedDict([(args.video, args.question)]))
        missing = [v for v in groups if not osp.isfile(v)]
        if missing and not args.questions_file:
            raise FileNotFoundError(f'video not found: {missing[0]}'
                                    + (f' (and {len(missing) - 1} more)'
                                       if len(missing) > 1 else ''))
        infer = VideoQAInferencer(args.config, args.checkpoint, args.device,
                                  cfg_options=args.cfg_options,
                                  strict=not args.non_strict)
        unreadable = answer_requests(infer, groups)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f'mcg: {exc}', file=sys.stderr)
        return 2
    if unreadable:
        print(f'mcg: {len(unreadable)} of {len(groups)} videos could not be '
              'read; their questions are not answered:', file=sys.stderr)
        for video, reason in unreadable.items():
            print(f'  {video}: {reason}', file=sys.stderr)
        return 3
    return 0


if __name__ == '__main__':
    sys.exit(main())
