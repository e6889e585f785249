"""Ask a trained model about a video in the browser (a Gradio app).

Needs the ``demo`` extra: ``pip install -e .[demo]``.

Example:
    python tools/app.py configs/shapesqa/mcg_tiny_shapesqa.py \
        work_dirs/mcg_tiny_shapesqa/epoch_18.pth --port 7860

Tab 1: upload a video (or pick a ShapesQA sample), type questions (one per
line); the page shows the frames the sampler chose, each answer with its
score and the beam search's alternatives, and the time taken. Tab 2: a
questions file in the format of ``tools/infer.py --questions-file`` (video
paths on the server) gives a table and a CSV download. Every answer comes
from ``mcg.apis.VideoQAInferencer``.
"""
import argparse
import html
import itertools
import json
import math
import os
import os.path as osp
import sys
import tempfile
import traceback

# No usage reports: the app must work where only localhost is reachable.
os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')

from mmengine.config import DictAction  # noqa: E402  (after the env)

SAMPLES_SHOWN = 12


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Video QA in the browser')
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, default=7860)
    p.add_argument('--device', default='cpu')
    p.add_argument('--max-file-mb', type=float, default=100,
                   help='largest video or questions file accepted')
    p.add_argument('--max-question-chars', type=int, default=200)
    p.add_argument('--num-beams', type=int, default=3,
                   help='beams of the alternatives shown (< 2: none)')
    p.add_argument('--samples-root',
                   help='ShapesQA data root offered as samples (default: '
                   "the config's test data_root)")
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config keys')
    return p.parse_args(argv)


def find_samples(data_root, limit=SAMPLES_SHOWN):
    """ShapesQA test videos with their first question: {label: (path, q)}."""
    samples = {}
    if not data_root:
        return samples
    qfile = osp.join(data_root, 'test_q.json')
    if not osp.isfile(qfile):
        return samples
    with open(qfile, encoding='utf-8') as f:
        questions = json.load(f)
    for q in questions:
        name = q['video_name']
        path = osp.abspath(osp.join(data_root, 'videos', f'v_{name}.mp4'))
        if name not in samples and osp.isfile(path):
            samples[name] = (path, q['question'])
            if len(samples) >= limit:
                break
    return samples


def answers_html(records):
    """One table row per question: answer, score, beam alternatives."""
    def prob(score):
        return '' if score is None else f'{math.exp(score):.3f}'

    rows = []
    for rec in records:
        beams = ', '.join(f'{html.escape(a)} ({prob(s)})'
                          for a, s in rec['beams'])
        rows.append(
            f'<tr><td class="question">{html.escape(rec["question"])}</td>'
            f'<td class="answer">{html.escape(rec["answer"])}</td>'
            f'<td class="score">{prob(rec["score"])}</td>'
            f'<td class="beams">{beams}</td></tr>')
    return ('<table><thead><tr><th>question</th><th>answer</th>'
            '<th>score</th><th>beam alternatives</th></tr></thead><tbody>'
            + ''.join(rows) + '</tbody></table>'
            '<p><small>score: the mean probability of the answer\'s tokens '
            '(end token included).</small></p>')


def error_text(exc):
    return f'**Cannot answer:** {exc}'


def build_app(requests, samples):
    """The Gradio page around a :class:`mcg.apis.QARequests`."""
    import gradio as gr

    from mcg.apis import InputError
    served = itertools.count(1)

    def ask(video, questions):
        # Numbers each reply, so a page (or a test) can tell a new answer
        # from the previous one even when their text is the same.
        mark = f'<span data-request="{next(served)}"></span>'
        try:
            res = requests.ask(video, questions)
        except InputError as exc:
            return error_text(exc), mark, []
        except Exception as exc:  # keep serving; the log has the trace
            traceback.print_exc()
            return (f'**Internal error:** {type(exc).__name__}: {exc}', mark,
                    [])
        n = len(res.records)
        status = (f'Answered {n} question{"s" * (n != 1)} in '
                  f'{res.seconds:.2f} s; {len(res.frame_indices)} frames '
                  'sampled.')
        gallery = [(img, f'#{k}: frame {i}') for k, (img, i) in
                   enumerate(zip(res.frames, res.frame_indices))]
        return status, mark + answers_html(res.records), gallery

    def pick_sample(label):
        if label not in samples:
            return gr.update(), gr.update()
        path, question = samples[label]
        return path, question

    def answer_file(path, progress=gr.Progress()):
        try:
            rows, seconds = requests.answer_file(
                path, lambda d, t: progress(d / t, desc='questions'))
        except InputError as exc:
            return error_text(exc), None, None
        except Exception as exc:
            traceback.print_exc()
            return (f'**Internal error:** {type(exc).__name__}: {exc}',
                    None, None)
        out = tempfile.NamedTemporaryFile(suffix='.csv', prefix='answers_',
                                          delete=False)
        out.close()
        requests.write_csv(rows, out.name)
        bad = sum(1 for r in rows if r[4])
        status = (f'Answered {len(rows) - bad} of {len(rows)} questions in '
                  f'{seconds:.2f} s' + (f'; {bad} with an error.' if bad
                                        else '.'))
        return status, rows, out.name

    with gr.Blocks(title='mcg video QA') as app:
        gr.Markdown('# mcg: ask a video')
        with gr.Tab('Ask about a video'):
            with gr.Row():
                with gr.Column():
                    video = gr.File(label='Video', type='filepath',
                                    elem_id='video')
                    sample = gr.Dropdown(
                        choices=list(samples), value=None,
                        label='or a ShapesQA sample', elem_id='sample',
                        visible=bool(samples))
                    questions = gr.Textbox(
                        label='Questions (one per line)', lines=3,
                        elem_id='questions')
                    ask_btn = gr.Button('Ask', variant='primary',
                                        elem_id='ask')
                with gr.Column():
                    status = gr.Markdown(elem_id='status')
                    answers = gr.HTML(elem_id='answers')
            frames = gr.Gallery(label='Sampled frames (in order)',
                                columns=8, rows=1, height=220,
                                object_fit='contain', elem_id='frames')
            sample.change(pick_sample, sample, [video, questions])
            ask_btn.click(ask, [video, questions], [status, answers, frames])
        with gr.Tab('Questions file'):
            gr.Markdown('JSON lines, one `{"video": PATH, "question": ...}` '
                        'per line (as `tools/infer.py --questions-file`); '
                        'video paths are read on the server.')
            qfile = gr.File(label='Questions file', type='filepath',
                            elem_id='qfile')
            run_btn = gr.Button('Answer all', variant='primary',
                                elem_id='answer-all')
            file_status = gr.Markdown(elem_id='file-status')
            table = gr.Dataframe(
                headers=['video', 'question', 'answer', 'score', 'error'],
                interactive=False, elem_id='table')
            download = gr.File(label='Download (CSV)', elem_id='download')
            run_btn.click(answer_file, qfile, [file_status, table, download])
    return app


def main(argv=None):
    args = parse_args(argv)
    try:
        import gradio as gr
    except ImportError:
        print('mcg: the app needs Gradio: pip install -e ".[demo]"',
              file=sys.stderr)
        return 2
    from mcg.apis import QARequests, RequestLimits, VideoQAInferencer
    try:
        infer = VideoQAInferencer(args.config, args.checkpoint, args.device,
                                  cfg_options=args.cfg_options)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f'mcg: {exc}', file=sys.stderr)
        return 2
    limit = int(args.max_file_mb * 2**20)
    requests = QARequests(infer, RequestLimits(
        max_file_bytes=limit, max_question_chars=args.max_question_chars),
        num_beams=args.num_beams)
    root = args.samples_root or infer.cfg.test_dataloader.dataset.get(
        'data_root')
    samples = find_samples(root)
    app = build_app(requests, samples)
    # System fonts: the default theme fetches web fonts, which a machine
    # without internet access cannot.
    theme = gr.themes.Default(font=['system-ui', 'sans-serif'],
                              font_mono=['ui-monospace', 'monospace'])
    app.queue().launch(
        server_name=args.host, server_port=args.port, ssr_mode=False,
        theme=theme, footer_links=[],
        # Gradio's own hard cap; files between the two limits get the
        # app's message instead of a bare upload error.
        max_file_size=2 * limit,
        allowed_paths=sorted({osp.dirname(p) for p, _ in samples.values()}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
