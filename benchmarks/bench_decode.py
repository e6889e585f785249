"""Sparse decord reads vs sequential PyAV decoding of a long video.

Example:
    python benchmarks/bench_decode.py                 # 3 min, 30 fps, 360p
    python benchmarks/bench_decode.py --seconds 10 --clips 2 --no-record

Generates (PyAV, libx264, preset ultrafast) a synthetic video of
``--seconds`` at 30 fps and 640x360 (a moving pattern; one file per keyframe
interval in ``--gops``) into a temporary folder, then times reading the 8
frames of a training head-tail sample per clip (mcg's HeadTailFrameSampler,
a new random draw per clip) two ways, alternating per clip:

* decord: open the file and ``get_batch`` only the sampled indices (what
  ``DecordInit`` + ``DecordDecode`` do);
* PyAV: open the file and decode every frame in order up to the last
  sampled one, converting only the sampled frames to RGB (the
  "decode, then index" loaders).

Both use one decoding thread. Prints ms per clip and the ratio, checks that
both return the same pixels, and appends a section to docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import os.path as osp
import statistics
import tempfile
from typing import Dict, List, Optional, Sequence

import numpy as np

from mcg.utils.benchmarking import (append_section, command_line,
                                    machine_line, ratio_vs_goal, timed)

DOC = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'docs',
               'benchmarks.md')

GOAL = 5.0


def make_video(path: str, seconds: float, fps: int = 30, width: int = 640,
               height: int = 360, gop: int = 250) -> int:
    """Write a synthetic libx264 video; return its frame count.

    Frames are built directly in YUV 4:2:0 (a scrolling luma gradient with a
    moving bright square; flat chroma), which keeps generation cheap.

    Args:
        path: Output .mp4 path.
        seconds: Duration.
        fps: Frame rate.
        width: Frame width (even).
        height: Frame height (even).
        gop: Keyframe interval in frames (x264 ``keyint``; scene-cut
            keyframes off so the interval is exact).

    Returns:
        The number of frames written.
    """
    import av
    n = int(round(seconds * fps))
    yy, xx = np.mgrid[0:height, 0:width]
    base = ((xx + 2 * yy) % 256).astype(np.uint8)
    chroma = np.full((height // 2, width), 128, np.uint8)
    with av.open(path, mode='w') as out:
        stream = out.add_stream('libx264', rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = 'yuv420p'
        stream.options = {'preset': 'ultrafast', 'x264-params':
                          f'keyint={gop}:min-keyint={gop}:scenecut=0'}
        side = max(2, min(48, width // 4, height // 4))
        for t in range(n):
            luma = np.roll(base, 3 * t, axis=1)
            x0 = (7 * t) % (width - side)
            y0 = (3 * t) % (height - side)
            luma[y0:y0 + side, x0:x0 + side] = 235
            frame = av.VideoFrame.from_ndarray(
                np.concatenate([luma, chroma]), format='yuv420p')
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return n


def read_decord(path: str, inds: np.ndarray) -> np.ndarray:
    """Open with decord and decode only ``inds`` (one get_batch call)."""
    import decord
    reader = decord.VideoReader(path, num_threads=1)
    return reader.get_batch(inds).asnumpy()


def read_pyav(path: str, inds: np.ndarray) -> np.ndarray:
    """Open with PyAV and decode in order up to the last index in ``inds``."""
    import av
    wanted = set(int(i) for i in inds)
    last = int(max(inds))
    frames = {}
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_count = 1
        for i, frame in enumerate(container.decode(stream)):
            if i in wanted:
                frames[i] = frame.to_ndarray(format='rgb24')
            if i >= last:
                break
    return np.stack([frames[int(i)] for i in inds])


def bench_file(path: str, total: int, clips: int, seed: int
               ) -> Dict[str, float]:
    """Time both readers on ``clips`` head-tail draws; return summary."""
    from mcg.datasets.transforms.sampling import HeadTailFrameSampler
    sampler = HeadTailFrameSampler(num_frames=8, seed=seed)
    read_decord(path, sampler.sample(total))  # warm-up (page cache, libs)
    res: Dict[str, List[float]] = {'decord': [], 'pyav': [], 'diff': [],
                                   'last': [], 'open': []}
    for _ in range(clips):
        inds = sampler.sample(total)
        wall_d, _, a = timed(lambda: read_decord(path, inds))
        wall_p, _, b = timed(lambda: read_pyav(path, inds))
        # Opening alone (decord reads the index at open): the fixed part.
        import decord
        res['open'].append(timed(lambda: decord.VideoReader(
            path, num_threads=1))[0] * 1e3)
        res['decord'].append(wall_d * 1e3)
        res['pyav'].append(wall_p * 1e3)
        res['diff'].append(float(np.abs(a.astype(int) - b).max()))
        res['last'].append(float(inds.max()) / total)
    d, p = statistics.median(res['decord']), statistics.median(res['pyav'])
    return dict(decord_ms=d, pyav_ms=p, ratio=p / d,
                open_ms=statistics.median(res['open']),
                max_diff=max(res['diff']),
                last_frac=statistics.mean(res['last']))


def main(argv: Optional[Sequence[str]] = None) -> List[Dict[str, float]]:
    """Run the benchmark; return one result row per keyframe interval.

    Args:
        argv: Command-line arguments (None: ``sys.argv``).

    Returns:
        Rows with ``gop``, ``decord_ms``, ``pyav_ms``, ``ratio``,
        ``max_diff`` and ``last_frac``.
    """
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seconds', type=float, default=180.0)
    p.add_argument('--fps', type=int, default=30)
    p.add_argument('--size', type=int, nargs=2, default=(640, 360),
                   metavar=('W', 'H'))
    p.add_argument('--gops', default='250,30',
                   help='keyframe intervals (frames), one video each; 250 '
                   'is the x264 default')
    p.add_argument('--clips', type=int, default=5,
                   help='timed clips per video (median reported)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--no-record', action='store_true',
                   help='do not append to docs/benchmarks.md')
    args = p.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for gop in [int(g) for g in args.gops.split(',')]:
            path = osp.join(tmp, f'long_gop{gop}.mp4')
            enc_s, _, total = timed(lambda: make_video(
                path, args.seconds, args.fps, *args.size, gop=gop))
            size_mb = osp.getsize(path) / 2**20
            row = dict(gop=gop, frames=total, encode_s=enc_s,
                       size_mb=size_mb)
            row.update(bench_file(path, total, args.clips, args.seed))
            rows.append(row)
            print(f'gop {gop}: {total} frames, {size_mb:.1f} MiB, encoded '
                  f'in {enc_s:.1f} s; decord {row["decord_ms"]:.0f} ms, '
                  f'PyAV {row["pyav_ms"]:.0f} ms per clip, '
                  f'{row["ratio"]:.2f}x', flush=True)
    w, h = args.size
    table = ['| keyframe interval | file | decord get_batch (ms/clip) | '
             'of which open | PyAV sequential (ms/clip) | speed-up | '
             'same pixels |', '|---|---:|---:|---:|---:|---:|---|']
    for r in rows:
        table.append(
            f'| {r["gop"]} frames ({r["gop"] / args.fps:.3g} s) | '
            f'{r["size_mb"]:.1f} MiB | {r["decord_ms"]:.0f} | '
            f'{r["open_ms"]:.0f} | {r["pyav_ms"]:.0f} | '
            f'**{r["ratio"]:.2f}x** | '
            f'{"yes" if r["max_diff"] == 0 else "max diff %d" % r["max_diff"]}'
            ' |')
    machine = machine_line()
    verdict = '; '.join(f'keyframe interval {r["gop"]}: '
                        f'{ratio_vs_goal(r["ratio"], GOAL)}' for r in rows)
    print('\n'.join(table) + f'\n{machine}\n{verdict}')
    if not args.no_record:
        doc = append_section('Video decoding: decord sparse reads vs '
                             'sequential PyAV', [
            f'`{command_line("bench_decode.py", argv)}`', '',
            f'Synthetic {args.seconds:g} s video, {args.fps} fps, {w}x{h}, '
            'libx264 preset ultrafast (generated by the script); 8 '
            'head-tail frames per clip (training draw, a new one per '
            f'clip), median of {args.clips} clips, file opened per clip, '
            '1 decoding thread each. The last sampled frame lies on average '
            f'at {statistics.mean(r["last_frac"] for r in rows):.0%} of '
            'the video, which is how far PyAV must decode. Machine: '
            f'{machine}. Goal: decord >= {GOAL:g}x faster; {verdict}.',
            ''] + table, DOC)
        print(f'appended to {doc}')
    return rows


if __name__ == '__main__':
    main()
