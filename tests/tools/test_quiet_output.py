"""Inference prints what the user needs and no library noise mcg causes.

transformers' ``mean_resizing`` warning (mcg adds ``[GEN]`` to the
vocabulary on every build) and the C-level lines decord/FFmpeg print about
an unreadable file before mcg's own message are quieted; the decoder's
words go into mcg's message instead. One log line names the plugins loaded
(see also tests/registry/test_plugins.py).
"""
import json
import os.path as osp

import pytest

from mcg.apis import VideoQAInferencer
from tests.conftest import DEMO_CONFIG, options_to_argv, run_tool

QUESTION = 'how many objects appear in the video'


def test_infer_tool_prints_answers_and_one_plugin_line(trained_micro,
                                                       shapesqa_tiny):
    work_dir, opts, _ = trained_micro
    video = osp.join(shapesqa_tiny, 'videos', 'v_synte00000.mp4')
    res = run_tool(['tools/infer.py', DEMO_CONFIG,
                    osp.join(work_dir, 'epoch_2.pth'), '--video', video,
                    '--question', QUESTION] + options_to_argv(opts))
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'mean_resizing' not in res.stderr
    assert 'multivariate normal' not in res.stderr
    plugin_lines = [line for line in res.stderr.splitlines()
                    if 'mcg plugins:' in line]
    assert len(plugin_lines) == 1, res.stderr
    assert 'entry points (mcg.plugins): none' in plugin_lines[0]
    # stdout holds the answers only (log lines go to stderr).
    assert [json.loads(line)['question'] for line in
            res.stdout.splitlines()] == [QUESTION]


@pytest.fixture(scope='module')
def micro_cfg_module(shapesqa_tiny):
    from mmengine.config import Config

    from tests.conftest import micro_model_options
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(micro_model_options(shapesqa_tiny))
    return cfg


@pytest.fixture(scope='module')
def untrained(micro_cfg_module):
    return VideoQAInferencer(micro_cfg_module)


def test_unreadable_video_no_decoder_lines_before_the_error(
        untrained, shapesqa_tiny, tmp_path, capfd):
    with open(osp.join(shapesqa_tiny, 'videos', 'v_synte00000.mp4'),
              'rb') as f:
        data = f.read()
    cut = tmp_path / 'cut.mp4'            # the index (moov) is at the end
    cut.write_bytes(data[:len(data) // 2])
    text = tmp_path / 'notes.mp4'
    text.write_text('not a video')
    for bad in (cut, text):
        capfd.readouterr()
        with pytest.raises(ValueError, match='not a readable video') as exc:
            untrained(str(bad), QUESTION)
        # The decoder's own words are in mcg's message ...
        assert 'decoder: ' in str(exc.value)
        assert 'moov atom not found' in str(exc.value)
        # ... and nothing was printed on the process's stderr before it.
        err = capfd.readouterr().err
        assert 'moov atom' not in err and 'video_reader.cc' not in err, err
    # A readable video still decodes after the captures.
    video = osp.join(shapesqa_tiny, 'videos', 'v_synte00001.mp4')
    assert isinstance(untrained(video, QUESTION)['answer'], str)
