#!/usr/bin/env python
"""Re-encode long videos for fast sparse frame reads (short side, fps, GOP).

Example::

    python tools/data/reencode_videos.py data/anetqa/videos \\
        --out data/anetqa/videos_384 --short-side 384 --fps 3 --workers 8

Every video under SRC (a folder, searched recursively, or a single file) is
written to OUT under the same relative path with a ``.mp4`` extension:
H.264 (libx264), frames scaled so the short side is ``--short-side`` (never
upscaled), optionally resampled to ``--fps``, a keyframe every
``--gop-seconds`` exactly (scene-cut keyframes off), audio dropped. Outputs
that already exist are skipped, so an interrupted run resumes; each output is
written to a temporary name first and renamed when complete.

Why: a sparse read (decord ``get_batch`` of 8 head-tail frames) seeks to the
keyframe before each sampled frame and decodes forward from it, so its cost
grows with the keyframe interval (x264's default is 250 frames, 8 s at
30 fps) and with the pixels per frame. See docs/data_speed.md.

Uses the ``ffmpeg`` binary when one is on PATH (``--backend auto``), else
PyAV (its wheel bundles FFmpeg with libx264).
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from typing import List, Optional, Sequence, Tuple

# Standard library only: this tool stays torch-free.
from mcg.utils.progress import ProgressLine

VIDEO_EXTS = ('.mp4', '.mkv', '.webm', '.avi', '.mov', '.m4v', '.flv',
              '.mpg', '.mpeg', '.gif')


def scaled_size(width: int, height: int,
                short_side: Optional[int]) -> Tuple[int, int]:
    """Output (width, height): short side scaled down to ``short_side``.

    Sizes are rounded to even numbers (yuv420p needs them); videos already
    at or below ``short_side`` keep their size (rounded to even).

    Args:
        width: Input width.
        height: Input height.
        short_side: Target short side, or None to keep the size.

    Returns:
        The (width, height) to encode.
    """
    scale = 1.0
    if short_side and min(width, height) > short_side:
        scale = short_side / min(width, height)

    def even(x: float) -> int:
        return max(2, int(round(x / 2)) * 2)
    return even(width * scale), even(height * scale)


def find_videos(src: str) -> List[str]:
    """Video files under ``src`` (or ``src`` itself), sorted."""
    if osp.isfile(src):
        return [src]
    found = []
    for root, _, files in os.walk(src):
        found += [osp.join(root, f) for f in files
                  if f.lower().endswith(VIDEO_EXTS)]
    return sorted(found)


def output_path(video: str, src: str, out: str) -> str:
    """``out`` + the video's path relative to ``src``, as ``.mp4``."""
    rel = (osp.basename(video) if osp.isfile(src)
           else osp.relpath(video, src))
    return osp.join(out, osp.splitext(rel)[0] + '.mp4')


def ffmpeg_command(ffmpeg: str, src: str, dst: str, short_side: Optional[int],
                   fps: Optional[float], gop_seconds: float, crf: int,
                   preset: str, gop_fps: float) -> List[str]:
    """The ffmpeg command line for one video.

    Args:
        ffmpeg: The ffmpeg executable.
        src: Input video.
        dst: Output .mp4.
        short_side: Target short side (None keeps the size).
        fps: Output frame rate (None keeps the input's).
        gop_seconds: Keyframe interval in seconds.
        crf: x264 constant rate factor.
        preset: x264 preset.
        gop_fps: Frame rate the GOP length is computed with (the output's).

    Returns:
        The argument list.
    """
    filters = []
    if fps:
        filters.append(f'fps={fps:g}')
    if short_side:
        # Scale the short side down to S (never up); even sizes.
        s = int(short_side)
        filters.append(
            f"scale='if(lt(iw,ih),min(iw,{s}),-2)':"
            f"'if(lt(iw,ih),-2,min(ih,{s}))'")
    gop = max(1, int(round(gop_fps * gop_seconds)))
    cmd = [ffmpeg, '-nostdin', '-loglevel', 'error', '-y', '-i', src]
    if filters:
        cmd += ['-vf', ','.join(filters)]
    return cmd + ['-an', '-c:v', 'libx264', '-preset', preset, '-crf',
                  str(crf), '-pix_fmt', 'yuv420p', '-g', str(gop),
                  '-keyint_min', str(gop), '-sc_threshold', '0',
                  '-movflags', '+faststart', '-f', 'mp4', dst]


def reencode_pyav(src: str, dst: str, short_side: Optional[int],
                  fps: Optional[float], gop_seconds: float, crf: int,
                  preset: str) -> int:
    """Re-encode ``src`` into ``dst`` with PyAV; return frames written."""
    import av
    with av.open(src) as inp:
        stream = inp.streams.video[0]
        stream.thread_type = 'AUTO'
        rate = stream.average_rate or stream.guessed_rate or 30
        out_fps = Fraction(fps).limit_denominator(1001) if fps else \
            Fraction(rate)
        width, height = scaled_size(stream.codec_context.width,
                                    stream.codec_context.height, short_side)
        gop = max(1, int(round(float(out_fps) * gop_seconds)))
        written = 0
        with av.open(dst, mode='w', format='mp4') as out:
            enc = out.add_stream('libx264', rate=out_fps)
            enc.width, enc.height, enc.pix_fmt = width, height, 'yuv420p'
            enc.options = {'preset': preset, 'crf': str(crf), 'x264-params':
                           f'keyint={gop}:min-keyint={gop}:scenecut=0'}
            for i, frame in enumerate(inp.decode(stream)):
                t = (float(frame.time) if frame.time is not None
                     else i / float(rate))
                # Keep the first frame at or after each output tick.
                if fps and t + 0.5 / float(rate) < written / float(out_fps):
                    continue
                frame = frame.reformat(width=width, height=height,
                                       format='yuv420p')
                frame.pts, frame.time_base = written, 1 / out_fps
                for packet in enc.encode(frame):
                    out.mux(packet)
                written += 1
            for packet in enc.encode():
                out.mux(packet)
    return written


def reencode_one(job: Tuple) -> Tuple[str, str]:
    """Re-encode one video (a worker task); return (path, status)."""
    src, dst, opts = job
    if osp.exists(dst) and not opts['overwrite']:
        return src, 'skipped'
    os.makedirs(osp.dirname(dst) or '.', exist_ok=True)
    tmp = dst + '.part'
    try:
        if opts['ffmpeg']:
            gop_fps = opts['fps'] or _probe_fps(src)
            cmd = ffmpeg_command(opts['ffmpeg'], src, tmp, opts['short_side'],
                                 opts['fps'], opts['gop_seconds'],
                                 opts['crf'], opts['preset'], gop_fps)
            res = subprocess.run(cmd, capture_output=True, text=True)
            if res.returncode != 0:
                raise RuntimeError(res.stderr.strip()[-500:])
        else:
            reencode_pyav(src, tmp, opts['short_side'], opts['fps'],
                          opts['gop_seconds'], opts['crf'], opts['preset'])
        os.replace(tmp, dst)  # only complete files count as existing
        return src, 'done'
    except Exception as exc:  # report and go on with the other videos
        if osp.exists(tmp):
            os.remove(tmp)
        return src, f'failed: {type(exc).__name__}: {exc}'


def _probe_fps(src: str) -> float:
    import av
    with av.open(src) as inp:
        stream = inp.streams.video[0]
        return float(stream.average_rate or stream.guessed_rate or 30)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse command-line arguments.

    Args:
        argv: Argument list; None reads ``sys.argv``.

    Returns:
        The parsed namespace.
    """
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('src', help='video folder (recursive) or one video')
    p.add_argument('--out', required=True, help='output folder')
    p.add_argument('--short-side', type=int, default=384,
                   help='short side in px, never upscaled; 0 keeps the size '
                   '(default 384: the paper fine-tunes at 384)')
    p.add_argument('--fps', type=float, default=0,
                   help='output frame rate; 0 keeps the input rate')
    p.add_argument('--gop-seconds', type=float, default=1.0,
                   help='keyframe interval in seconds (default 1)')
    p.add_argument('--crf', type=int, default=23)
    p.add_argument('--preset', default='veryfast')
    p.add_argument('--workers', type=int, default=1, help='parallel videos')
    p.add_argument('--backend', choices=('auto', 'ffmpeg', 'pyav'),
                   default='auto')
    p.add_argument('--overwrite', action='store_true',
                   help='re-encode outputs that already exist')
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Re-encode every video under ``src``; print and return the counts.

    Args:
        argv: Argument list; None reads ``sys.argv``.

    Returns:
        ``dict(done=..., skipped=..., failed=[(path, reason), ...])``.
    """
    args = parse_args(argv)
    if not osp.exists(args.src):
        raise SystemExit(f'{args.src} not found')
    ffmpeg = None
    if args.backend in ('auto', 'ffmpeg'):
        ffmpeg = shutil.which('ffmpeg')
        if ffmpeg is None and args.backend == 'ffmpeg':
            raise SystemExit('--backend ffmpeg: no ffmpeg on PATH')
    opts = dict(short_side=args.short_side or None, fps=args.fps or None,
                gop_seconds=args.gop_seconds, crf=args.crf,
                preset=args.preset, overwrite=args.overwrite, ffmpeg=ffmpeg)
    jobs = [(v, output_path(v, args.src, args.out), opts)
            for v in find_videos(args.src)]
    summary = dict(done=0, skipped=0, failed=[])
    results = []
    # Periodic 'videos: done/total, rate, ETA' lines on stderr.
    with ProgressLine('reencode_videos', total=len(jobs),
                      unit='videos') as progress:
        if args.workers > 1:
            with ProcessPoolExecutor(args.workers) as pool:
                for result in pool.map(reencode_one, jobs):
                    results.append(result)
                    progress.update()
        else:
            for job in jobs:
                results.append(reencode_one(job))
                progress.update()
    for path, status in results:
        if status.startswith('failed'):
            summary['failed'].append((path, status))
            print(f'{path}: {status}', file=sys.stderr)
        else:
            summary[status] += 1
    print(f'{len(jobs)} videos: {summary["done"]} re-encoded, '
          f'{summary["skipped"]} skipped (exist), {len(summary["failed"])} '
          f'failed; backend {"ffmpeg" if ffmpeg else "PyAV"}')
    return summary


if __name__ == '__main__':
    sys.exit(1 if main()['failed'] else 0)
