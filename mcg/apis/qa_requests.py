"""Checked question requests for interactive front ends (the web demo).

A page sends untrusted input: any file, any text. :class:`QARequests` checks
it, answers through :class:`~mcg.apis.VideoQAInferencer` (its clip and
feature caches included) and turns every bad input into an
:class:`InputError` whose message can be shown to the person as it is, so a
server built on it keeps serving after one.
"""
from __future__ import annotations

import csv
import json
import os
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from .inferencer import VideoQAInferencer


class InputError(ValueError):
    """A request the page cannot answer; the message says why, for people."""


@dataclass
class RequestLimits:
    """What one request may hold.

    Attributes:
        max_file_bytes: Largest uploaded video or questions file.
        max_question_chars: Longest question.
        max_questions: Questions in one request (one per line).
        max_file_rows: Lines of a questions file.
    """

    max_file_bytes: int = 100 * 2**20
    max_question_chars: int = 200
    max_questions: int = 16
    max_file_rows: int = 2000


@dataclass
class Answered:
    """The result of :meth:`QARequests.ask`.

    Attributes:
        records: Per question: ``question``, ``answer``, ``score``, ``beams``
            (see :meth:`VideoQAInferencer.answer_details`).
        frame_indices: Frame indices the sampler chose, in the model's order.
        frames: The matching (H, W, 3) uint8 frames as the model sees them.
        seconds: Wall time of the request.
    """

    records: List[Dict]
    frame_indices: List[int]
    frames: List[np.ndarray] = field(repr=False)
    seconds: float


def _size_text(n: float) -> str:
    return f'{n / 2**20:.1f} MB' if n >= 2**20 else f'{n / 1024:.0f} KB'


class QARequests:
    """Answer checked requests with one loaded :class:`VideoQAInferencer`.

    Args:
        inferencer: The loaded model.
        limits: Request limits.
        num_beams: Beams of the alternatives shown next to each answer.
    """

    def __init__(self, inferencer: VideoQAInferencer,
                 limits: Optional[RequestLimits] = None,
                 num_beams: int = 3) -> None:
        self.inferencer = inferencer
        self.limits = limits or RequestLimits()
        self.num_beams = num_beams

    def check_file(self, path: Optional[str], what: str) -> str:
        """Return ``path`` if it names a file within the size limit.

        Raises:
            InputError: No file, or one over the limit.
        """
        if not path:
            raise InputError(f'Please choose a {what} first.')
        if not os.path.isfile(path):
            raise InputError(f'The {what} {path} was not found.')
        size = os.path.getsize(path)
        if size > self.limits.max_file_bytes:
            raise InputError(
                f'The {what} is {_size_text(size)}, over the '
                f'{_size_text(self.limits.max_file_bytes)} limit.')
        return path

    def check_question(self, question: str) -> str:
        """Return the stripped question.

        Raises:
            InputError: Empty, or longer than the limit.
        """
        text = (question or '').strip()
        if not text:
            raise InputError('Please type a question.')
        if len(text) > self.limits.max_question_chars:
            raise InputError(
                f'A question is {len(text)} characters long; the limit is '
                f'{self.limits.max_question_chars}.')
        return text

    def parse_questions(self, text: str) -> List[str]:
        """Split ``text`` into questions, one per non-empty line.

        Raises:
            InputError: No question, too many, or one too long.
        """
        lines = [ln for ln in (text or '').splitlines() if ln.strip()]
        if not lines:
            raise InputError('Please type a question (one per line).')
        if len(lines) > self.limits.max_questions:
            raise InputError(f'{len(lines)} questions; at most '
                             f'{self.limits.max_questions} at a time.')
        return [self.check_question(ln) for ln in lines]

    @staticmethod
    def check_is_video(path: str) -> None:
        """Raise :class:`InputError` unless the container holds a video.

        A cheap look at the container only, so that a file that is no video
        at all and a video whose frames fail to decode get different
        messages.
        """
        import av
        try:
            with av.open(path) as container:
                has_video = bool(container.streams.video)
        except Exception:  # PyAV raises many error types for non-media
            has_video = False
        if not has_video:
            raise InputError(f'{os.path.basename(path)} is not a video file '
                             '(no video stream found).')

    def ask(self, video: Optional[str], questions: str) -> Answered:
        """Answer the questions (one per line) about ``video``.

        Raises:
            InputError: Any bad input; the message is for the page.
        """
        start = time.perf_counter()
        qs = self.parse_questions(questions)
        path = self.check_file(video, 'video')
        self.check_is_video(path)
        try:
            inds, clip = self.inferencer.sampled_frames(path)
            records = self.inferencer.answer_details(path, qs,
                                                     self.num_beams)
        except (ValueError, FileNotFoundError) as exc:
            detail = str(exc)
            detail = detail if len(detail) <= 240 else detail[:240] + '...'
            raise InputError(
                f'{os.path.basename(path)} could not be decoded (corrupt or '
                f'truncated video?): {detail}') from exc
        frames = [f.permute(1, 2, 0).contiguous().numpy() for f in clip]
        return Answered(records, inds, frames, time.perf_counter() - start)

    def read_questions_file(self, path: Optional[str]
                            ) -> List[Tuple[str, str]]:
        """Read ``(video, question)`` pairs from a JSON-lines file.

        The format of ``tools/infer.py --questions-file``: one
        ``{"video": ..., "question": ...}`` object per line.

        Raises:
            InputError: Missing or oversized file, a bad line, too many.
        """
        path = self.check_file(path, 'questions file')
        pairs = []
        with open(path, encoding='utf-8', errors='replace') as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    video, question = rec['video'], rec['question']
                except (ValueError, KeyError, TypeError):
                    raise InputError(
                        f'Line {n} of the questions file is not a JSON '
                        'object with "video" and "question".') from None
                pairs.append((str(video), str(question)))
                if len(pairs) > self.limits.max_file_rows:
                    raise InputError('The questions file has more than '
                                     f'{self.limits.max_file_rows} lines.')
        if not pairs:
            raise InputError('The questions file holds no questions.')
        return pairs

    def answer_file(self, path: Optional[str], progress=None
                    ) -> Tuple[List[List], float]:
        """Answer every line of a questions file.

        A line whose video or question is bad gets its message in the
        ``error`` column; the other lines are answered.

        Args:
            path: The questions file.
            progress: Optional ``progress(done, total)`` callable.

        Returns:
            Rows ``[video, question, answer, score, error]`` in file order,
            and the wall time in seconds.

        Raises:
            InputError: The file itself is missing, too big or malformed.
        """
        start = time.perf_counter()
        pairs = self.read_questions_file(path)
        by_video: Dict[str, List[int]] = {}
        for i, (video, _) in enumerate(pairs):
            by_video.setdefault(video, []).append(i)
        rows: List[List] = [[v, q, '', None, ''] for v, q in pairs]
        done = 0
        for video, idx in by_video.items():
            asked = []
            for i in idx:
                try:
                    asked.append((i, self.check_question(pairs[i][1])))
                except InputError as exc:
                    rows[i][4] = str(exc)
            try:
                if asked:
                    self.check_file(video, 'video')
                    self.check_is_video(video)
                    records = self.inferencer.answer_details(
                        video, [q for _, q in asked], 0)
                    for (i, _), rec in zip(asked, records):
                        rows[i][2] = rec['answer']
                        rows[i][3] = (None if rec['score'] is None
                                      else round(rec['score'], 4))
            except (InputError, ValueError, FileNotFoundError) as exc:
                for i, _ in asked:
                    rows[i][4] = str(exc)
            done += len(idx)
            if progress is not None:
                progress(done, len(pairs))
        return rows, time.perf_counter() - start

    @staticmethod
    def write_csv(rows: List[List], path: str) -> str:
        """Write :meth:`answer_file` rows with a header; returns ``path``."""
        with open(path, 'w', newline='', encoding='utf-8') as f:
            writer = csv.writer(f)
            writer.writerow(['video', 'question', 'answer', 'score', 'error'])
            writer.writerows(rows)
        return path
