"""tools/data/reencode_videos.py: size, fps, keyframe interval, skipping."""
import os.path as osp

import pytest

from benchmarks.bench_decode import make_video
from tests.conftest import REPO, run_tool
from tools.data import reencode_videos as rv


def keyframes(path):
    """Indices of the key frames of a video (PyAV packets)."""
    import av
    with av.open(path) as c:
        return [i for i, p in enumerate(
            p for p in c.demux(c.streams.video[0]) if p.size)
            if p.is_keyframe]


def size(path):
    """(width, height) of a video's stream."""
    import av
    with av.open(path) as c:
        ctx = c.streams.video[0].codec_context
        return ctx.width, ctx.height


@pytest.fixture
def videos(tmp_path):
    src = tmp_path / 'src'
    (src / 'sub').mkdir(parents=True)
    # 2 s at 30 fps, one keyframe only (GOP longer than the video).
    make_video(str(src / 'a.mp4'), 2, fps=30, width=160, height=96, gop=300)
    make_video(str(src / 'sub' / 'b.mp4'), 2, fps=30, width=96, height=160,
               gop=300)
    (src / 'notes.txt').write_text('not a video')
    return src


def test_reencode_short_side_fps_gop_and_skip(videos, tmp_path):
    import decord
    out = tmp_path / 'out'
    argv = [str(videos), '--out', str(out), '--short-side', '48', '--fps',
            '10', '--gop-seconds', '0.5', '--preset', 'ultrafast',
            '--backend', 'pyav', '--workers', '2']
    summary = rv.main(argv)
    assert summary == dict(done=2, skipped=0, failed=[])
    a, b = str(out / 'a.mp4'), str(out / 'sub' / 'b.mp4')
    ra, rb = decord.VideoReader(a), decord.VideoReader(b)
    assert len(ra) == 20 and len(rb) == 20  # 2 s at 10 fps
    assert size(a) == (80, 48)  # 160x96 -> short side 48
    assert size(b) == (48, 80)  # portrait keeps its orientation
    assert keyframes(a) == [0, 5, 10, 15]  # every 0.5 s = 5 frames
    # Existing outputs are skipped (an interrupted run resumes).
    assert rv.main(argv)['skipped'] == 2


def test_keeps_size_and_rate_by_default(videos, tmp_path):
    out = tmp_path / 'out'
    rv.main([str(videos / 'a.mp4'), '--out', str(out), '--backend', 'pyav',
             '--preset', 'ultrafast'])
    import decord
    r = decord.VideoReader(str(out / 'a.mp4'))
    assert len(r) == 60 and size(str(out / 'a.mp4')) == (160, 96)  # kept
    assert keyframes(str(out / 'a.mp4')) == [0, 30]  # 1 s at 30 fps


def test_bad_video_reported_not_fatal(tmp_path):
    src = tmp_path / 'src'
    src.mkdir()
    (src / 'broken.mp4').write_text('hello')
    res = run_tool([osp.join(REPO, 'tools/data/reencode_videos.py'),
                    str(src), '--out', str(tmp_path / 'out'),
                    '--backend', 'pyav'])
    assert res.returncode == 1 and 'broken.mp4: failed' in res.stderr
    assert not (tmp_path / 'out' / 'broken.mp4').exists()
    assert not (tmp_path / 'out' / 'broken.mp4.part').exists()


def test_helpers():
    assert rv.scaled_size(640, 360, 384) == (640, 360)  # never upscaled
    assert rv.scaled_size(1920, 1080, 384) == (682, 384)
    assert rv.scaled_size(1080, 1920, 384) == (384, 682)
    cmd = rv.ffmpeg_command('ffmpeg', 'in.mkv', 'out.mp4', 384, 3, 1.0, 23,
                            'veryfast', 3)
    assert cmd[cmd.index('-g') + 1] == '3'
    assert cmd[cmd.index('-sc_threshold') + 1] == '0' and '-an' in cmd
    assert 'fps=3' in cmd[cmd.index('-vf') + 1]
    assert rv.output_path('/d/x/v.mkv', '/d', '/o') == '/o/x/v.mp4'
