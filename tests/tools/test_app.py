"""tools/app.py: a smoke test, and the page driven in a real browser.

The browser test starts the app on 127.0.0.1 with a checkpoint trained in
the test, drives headless Chromium (Debian's ``chromium``, through
Playwright's Python API) like a person: uploads a ShapesQA video, asks
questions, reads the answers off the page and compares them with
``VideoQAInferencer``'s for the same input; then sends bad inputs and checks
each message and that the next request is still answered. Set
``MCG_APP_SCREENSHOT=path.png`` to keep a screenshot of the answered page.
"""
import json
import os
import os.path as osp
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import (DEMO_CONFIG, REPO, micro_model_options,
                            options_to_argv, run_tool)

APP = osp.join(REPO, 'tools', 'app.py')


def test_app_help_needs_no_gradio():
    res = run_tool([APP, '--help'])
    assert res.returncode == 0, res.stderr
    assert '--port' in res.stdout and '--host' in res.stdout


@pytest.mark.slow
def test_app_stops_with_a_message_for_a_missing_checkpoint(tmp_path,
                                                          shapesqa_tiny):
    res = run_tool([APP, DEMO_CONFIG, str(tmp_path / 'none.pth')] +
                   options_to_argv(micro_model_options(shapesqa_tiny)))
    assert res.returncode == 2
    assert re.search(r'mcg: (checkpoint .* not found|the app needs Gradio)',
                     res.stderr), res.stderr[-2000:]


def _chromium():
    """Path of a Chromium binary, or None."""
    path = os.environ.get('MCG_CHROMIUM')
    if path:
        return path if osp.isfile(path) else None
    for name in ('chromium', 'chromium-browser'):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _wait_until_serving(proc, url, log_path, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            with open(log_path) as f:
                out = f.read()
            pytest.fail(f'app exited with {proc.returncode}:\n{out[-3000:]}')
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f'app not serving at {url} after {timeout} s')


@pytest.fixture
def app_server(overfit_checkpoint, tmp_path):
    """The app on a free localhost port; yields its URL."""
    pytest.importorskip('gradio', reason='Gradio not installed: '
                        'pip install -e ".[demo]"')
    config, ckpt, _ = overfit_checkpoint
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1',
               GRADIO_TEMP_DIR=str(tmp_path / 'gradio'))
    log_path = tmp_path / 'app.log'
    log = open(log_path, 'w')
    proc = subprocess.Popen(
        [sys.executable, APP, config, ckpt, '--port', str(port),
         '--max-question-chars', '80'],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f'http://127.0.0.1:{port}/'
    try:
        _wait_until_serving(proc, url, log_path)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def browser_page():
    """A headless Chromium page (Debian's chromium via Playwright)."""
    sync_api = pytest.importorskip(
        'playwright.sync_api', reason='Playwright not installed: '
        'pip install -e ".[browser]"')
    chromium = _chromium()
    if chromium is None:
        pytest.skip('Chromium not found: apt-get install chromium '
                    '(or set MCG_CHROMIUM to its binary)')
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=['--no-sandbox'])
        try:
            page = browser.new_page(viewport={'width': 1280, 'height': 900})
            page.set_default_timeout(60_000)
            yield page, sync_api.expect
        finally:
            browser.close()


def _upload(page, expect, elem_id, path):
    """Upload ``path`` into a gr.File, replacing any file shown there."""
    box = page.locator(f'#{elem_id}')
    clear = box.get_by_role('button', name='Clear')
    if clear.count():
        clear.click()
    box.locator('input[type=file]').set_input_files(path)
    expect(box).to_contain_text(osp.splitext(osp.basename(path))[1])


def _ask(page, expect, questions):
    """Type the questions, press Ask, return the status text of the reply."""
    page.locator('#questions textarea').fill(questions)
    mark = page.locator('#answers [data-request]')
    last = int(mark.get_attribute('data-request')) if mark.count() else 0
    page.click('#ask')
    reply = page.locator(f'#answers [data-request="{last + 1}"]')
    expect(reply).to_have_count(1)
    tracker = page.locator('#status [data-testid="status-tracker"]')
    expect(tracker).to_have_class(re.compile(r'\bhide\b'))
    return page.locator('#status').inner_text().strip()


@pytest.mark.slow
def test_app_in_a_real_browser(app_server, browser_page, overfit_checkpoint,
                               shapesqa_tiny, tmp_path):
    from mcg.apis import VideoQAInferencer
    page, expect = browser_page
    config, ckpt, _ = overfit_checkpoint
    with open(osp.join(shapesqa_tiny, 'train_q.json')) as f:
        qs = json.load(f)
    name = qs[0]['video_name']
    video = osp.join(shapesqa_tiny, 'videos', f'v_{name}.mp4')
    questions = [q['question'] for q in qs if q['video_name'] == name][:3]
    infer = VideoQAInferencer(config, ckpt)
    expected = [r['answer'] for r in infer(video, questions)]
    frame_inds, _ = infer.sampled_frames(video)

    # Everything the page loads comes from the app: no web fonts, CDNs or
    # analytics, which a machine without internet access cannot reach.
    outside = []
    page.on('request', lambda r: None if r.url.startswith(
        (app_server, 'data:', 'blob:')) else outside.append(r.url))
    page.goto(app_server)
    _upload(page, expect, 'video', video)
    status = _ask(page, expect, '\n'.join(questions))
    assert re.search(r'Answered 3 questions in \d+\.\d\d s; 8 frames '
                     r'sampled\.', status), status
    shown = page.locator('#answers td.answer').all_inner_texts()
    assert shown == expected
    assert len(page.locator('#answers td.beams').all_inner_texts()) == 3
    captions = [f'#{k}: frame {i}' for k, i in enumerate(frame_inds)]
    expect(page.locator('#frames')).to_contain_text(captions[-1])
    frames_text = page.locator('#frames').inner_text()
    assert all(c in frames_text for c in captions), frames_text
    shot = tmp_path / 'app.png'
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get('MCG_APP_SCREENSHOT'):
        shutil.copy(shot, os.environ['MCG_APP_SCREENSHOT'])

    # Bad inputs: a message in the page, and the server keeps answering.
    assert 'Please type a question' in _ask(page, expect, '  ')
    assert 'the limit is 80' in _ask(page, expect, 'why ' * 30)
    assert _ask(page, expect, questions[0]).startswith('Answered 1 question')
    assert page.locator('#answers td.answer').all_inner_texts() == \
        expected[:1]
    junk = tmp_path / 'notes.mp4'
    junk.write_text('not a video\n' * 50)
    _upload(page, expect, 'video', str(junk))
    assert 'notes.mp4 is not a video file' in _ask(page, expect,
                                                   questions[0])
    expect(page.locator('#answers td.answer')).to_have_count(0)
    _upload(page, expect, 'video', video)
    assert _ask(page, expect, questions[1]).startswith('Answered 1 question')
    assert page.locator('#answers td.answer').all_inner_texts() == \
        expected[1:2]

    # A ShapesQA sample: picking one loads its video and first question.
    with open(osp.join(shapesqa_tiny, 'test_q.json')) as f:
        first = json.load(f)[0]
    page.locator('#sample input').click()
    page.get_by_role('option', name=first['video_name']).click()
    expect(page.locator('#questions textarea')).to_have_value(
        first['question'])
    status = _ask(page, expect, first['question'])
    assert status.startswith('Answered 1 question'), status
    sample = osp.join(shapesqa_tiny, 'videos', f'v_{first["video_name"]}.mp4')
    assert page.locator('#answers td.answer').all_inner_texts() == [
        infer(sample, first['question'])['answer']]

    # Second tab: a questions file gives a table and a CSV download.
    qfile = tmp_path / 'questions.jsonl'
    qfile.write_text(''.join(json.dumps(dict(video=video, question=q)) + '\n'
                             for q in questions))
    page.get_by_role('tab', name='Questions file').click()
    _upload(page, expect, 'qfile', str(qfile))
    page.click('#answer-all')
    expect(page.locator('#file-status')).to_contain_text(
        'Answered 3 of 3 questions')
    expect(page.locator('#download')).to_contain_text('.csv')
    table = page.locator('#table').inner_text()
    assert all(a in table for a in expected), table
    assert outside == []
