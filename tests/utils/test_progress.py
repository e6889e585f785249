"""ProgressLine: when it prints and what its counts, rate and ETA say."""
import io

from mcg.utils.progress import ProgressLine, format_seconds


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_lines_at_start_every_interval_and_at_close():
    clock, out = FakeClock(), io.StringIO()
    progress = ProgressLine('videos', total=30, unit='clips', interval=10,
                            stream=out, clock=clock)
    clock.now += 1
    progress.update(2)                 # first update: printed
    clock.now += 4
    progress.update(8)                 # 4 s after the last line: silent
    clock.now += 6
    progress.update(10)                # 10 s after: printed
    progress.close()
    progress.close()                   # once only
    lines = out.getvalue().splitlines()
    assert lines == [
        'videos: 2/30 clips (6.7%), 2 clips/s, elapsed 0:00:01, ETA 0:00:14',
        'videos: 20/30 clips (66.7%), 1.82 clips/s, elapsed 0:00:11, '
        'ETA 0:00:05',
        'videos: 20/30 clips (66.7%), 1.82 clips/s, elapsed 0:00:11',
    ]


def test_unknown_total_and_total_set_later():
    clock, out = FakeClock(), io.StringIO()
    progress = ProgressLine('gen', interval=0, stream=out, clock=clock)
    clock.now += 2
    progress.update(4)
    progress.set(5, total=10)
    lines = out.getvalue().splitlines()
    assert lines[0] == 'gen: 4 items, 2 items/s, elapsed 0:00:02'
    assert lines[1].startswith('gen: 5/10 items (50.0%), 2.5 items/s')
    assert lines[1].endswith('ETA 0:00:02')


def test_no_rate_yet_gives_unknown_eta_and_env_sets_interval(monkeypatch):
    clock, out = FakeClock(), io.StringIO()
    monkeypatch.setenv('MCG_PROGRESS_INTERVAL', '0')
    progress = ProgressLine('t', total=3, stream=out, clock=clock)
    assert progress.interval == 0
    progress.update(0)
    assert out.getvalue().strip().endswith('ETA ?')
    assert format_seconds(3725) == '1:02:05'
    assert format_seconds(float('nan')) == '0:00:00'
