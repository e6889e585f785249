"""Answer questions about videos from Python."""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mcg.datasets.transforms import VideoReadError
from mcg.heads.decoding import record_beams
from mcg.registry import TRANSFORMS
from mcg.structures import VideoQADataSample
from mcg.utils import load_config, merge_overrides
from mcg.utils.text import normalize_answer

from .configs import build_model_for_checkpoint

QuestionInput = Union[str, Sequence[str]]


class VideoQAInferencer:
    """Load a trained mcg model once, then ask it questions about videos.

    Example:
        >>> infer = VideoQAInferencer('configs/shapesqa/mcg_tiny_shapesqa.py',
        ...                           'work_dirs/mcg_tiny_shapesqa/epoch_15.pth')
        >>> infer('clip.mp4', 'what color is the object that appears later')
        {'question': '...', 'answer': 'red'}

    The video is decoded and encoded once per call however many questions are
    asked, and the last videos' clips and their video-encoder outputs are
    cached (the model's ``video_cache_size``), so asking again about the same
    file neither decodes nor encodes it again.

    Args:
        config: Config path or :class:`Config`; its test pipeline is used.
        checkpoint: Checkpoint path (loaded weights-only), or None to keep
            the model's own initialisation.
        device: Torch device string.
        cfg_options: Config overrides, as ``--cfg-options`` takes them.
        cache_size: Number of decoded clips kept.
        strict: Refuse a checkpoint whose weights do not all fit the model
            (or whose answer vocabulary contradicts the config). False
            loads the weights that fit and logs what did not.

    The answer vocabulary saved in the checkpoint is used (see
    :mod:`mcg.engine.inference_meta`), so no dataset file is needed.

    Raises:
        FileNotFoundError: The checkpoint does not exist.
        mcg.engine.checkpoint_fit.CheckpointError: It cannot be read, or
            (``strict``) it does not fit the config's model.
    """

    def __init__(self, config: Union[str, Config],
                 checkpoint: Optional[str] = None, device: str = 'cpu',
                 cfg_options: Optional[dict] = None,
                 cache_size: int = 8, strict: bool = True) -> None:
        cfg = (load_config(config, cfg_options) if isinstance(config, str)
               else merge_overrides(config, cfg_options))
        # The caller's config stays as it was; self.cfg carries the
        # checkpoint's answer vocabulary.
        self.model, self.cfg = build_model_for_checkpoint(cfg, checkpoint,
                                                          strict)
        self.model.to(device)
        # Build inside mcg's scope without leaking it to the caller.
        with DefaultScope.overwrite_default_scope('mcg'):
            pipeline = self.cfg.test_dataloader.dataset.pipeline
            self.pipeline = [TRANSFORMS.build(t) for t in pipeline]
        self.device = device
        self.cache_size = cache_size
        self._clips: Dict[str, torch.Tensor] = {}
        self._frame_inds: Dict[str, List[int]] = {}

    def _clip(self, video: str) -> torch.Tensor:
        """Decode (or fetch from the cache) the clip of ``video``."""
        key = os.path.realpath(video)
        if key in self._clips:
            return self._clips[key]
        if not os.path.isfile(video):
            raise FileNotFoundError(f'video {video} not found')
        results = dict(video_path=video, video_id=os.path.basename(video),
                       qa=[dict(question='-', question_id='-')])
        try:
            for step in self.pipeline:
                results = step(results)
        except VideoReadError as exc:
            raise ValueError(f'{video} is not a readable video: '
                             f'{exc.reason}') from exc
        clip = results['inputs']
        if len(self._clips) >= self.cache_size:
            oldest = next(iter(self._clips))
            self._clips.pop(oldest)
            self._frame_inds.pop(oldest, None)
        self._clips[key] = clip
        inds = getattr(results['data_samples'][0], 'frame_inds', None)
        self._frame_inds[key] = [] if inds is None else [int(i) for i in inds]
        return clip

    def _batch(self, video: str, questions: List[str]) -> Dict:
        """The model's preprocessed input: ``video``'s clip, one sample per
        question."""
        clip = self._clip(video)
        samples = [VideoQADataSample(metainfo=dict(
            question=q.strip().lower(), question_id=str(i), video_index=0,
            video_id=os.path.basename(video),
            # The model's per-video feature cache keys on the path.
            video_path=os.path.realpath(video)))
            for i, q in enumerate(questions)]
        return self.model.data_preprocessor(
            dict(inputs=clip[None], data_samples=samples))

    @torch.no_grad()
    def __call__(self, video: str, questions: QuestionInput
                 ) -> Union[Dict, List[Dict]]:
        """Answer one question or a list of questions about ``video``.

        Args:
            video: Path to a video file.
            questions: A question or a list of questions.

        Returns:
            ``{'question', 'answer'}`` for one question, a list for several.

        Raises:
            FileNotFoundError: The video does not exist.
            ValueError: The file is not a video, or a question is empty.
        """
        single = isinstance(questions, str)
        qs = [questions] if single else list(questions)
        if not qs or any(not isinstance(q, str) or not q.strip() for q in qs):
            raise ValueError('questions must be non-empty strings, got '
                             f'{questions!r}')
        with DefaultScope.overwrite_default_scope('mcg'):
            data = self._batch(video, qs)
            preds = self.model(**data, mode='predict')
        out = []
        for q, s in zip(qs, preds):
            rec = dict(question=q, answer=s.pred_answer)
            if 'pred_scores' in s:
                rec['scores'] = s.pred_scores
            out.append(rec)
        return out[0] if single else out

    def sampled_frames(self, video: str) -> Tuple[List[int], torch.Tensor]:
        """The frames the test pipeline samples from ``video`` (cached).

        Args:
            video: Path to a video file.

        Returns:
            The frame indices in the order the model sees them, and the
            (T, C, H, W) uint8 frames after the pipeline's resizing.
        """
        clip = self._clip(video)
        return list(self._frame_inds[os.path.realpath(video)]), clip

    @torch.no_grad()
    def answer_details(self, video: str, questions: Sequence[str],
                       num_beams: int = 3) -> List[Dict]:
        """Answers with the model's score of each and beam alternatives.

        The answers are those of :meth:`__call__` (same path, same caches).
        Then the cached video features are reused to score each answer and
        to run a ``num_beams`` beam search.

        Args:
            video: Path to a video file.
            questions: Questions about it.
            num_beams: Beams of the alternatives' search (< 2: none).

        Returns:
            One dict per question: ``question``, ``answer``, ``score`` (mean
            log-probability of the answer's tokens, ``[SEP]`` included; None
            for a head that does not generate) and ``beams``, a list of
            ``(answer, score)`` pairs, best first, scored alike when the
            head's ``length_penalty`` is 1.
        """
        qs = list(questions)
        records = self(video, qs)
        head = self.model.head
        if not hasattr(head, 'score_answers') or not hasattr(head,
                                                            'generate'):
            return [dict(r, score=None, beams=[]) for r in records]
        with DefaultScope.overwrite_default_scope('mcg'):
            data = self._batch(video, qs)
            feats = self.model.extract_feat(data['inputs'],
                                            data['data_samples'],
                                            use_cache=True)
            memory, mask = feats.memory, feats.memory_mask
            scores = head.score_answers(memory, mask,
                                        [[r['answer']] for r in records])
            beams: List = [[] for _ in qs]
            if num_beams >= 2:
                with record_beams() as beams:
                    head.generate(memory, mask, num_beams=num_beams)
        for rec, score, ranked in zip(records, scores, beams):
            rec['score'] = float(score[0])
            rec['beams'] = [(normalize_answer(head.tokenizer.decode(
                tokens, skip_special_tokens=True)), float(s))
                for tokens, s in ranked]
        return records
