"""Smoke test of benchmarks/bench_decode.py with a 2-second video."""
from benchmarks import bench_decode


def test_bench_decode_smoke(tmp_path):
    rows = bench_decode.main(['--seconds', '2', '--clips', '1', '--gops',
                              '15', '--size', '160', '96', '--no-record'])
    assert len(rows) == 1
    row = rows[0]
    assert row['frames'] == 60 and row['gop'] == 15
    assert row['decord_ms'] > 0 and row['pyav_ms'] > 0
    assert row['max_diff'] == 0  # both readers return the same pixels


def test_make_video_frame_count(tmp_path):
    import decord
    path = str(tmp_path / 'v.mp4')
    assert bench_decode.make_video(path, 1, fps=10, width=64, height=48,
                                   gop=5) == 10
    assert len(decord.VideoReader(path)) == 10
