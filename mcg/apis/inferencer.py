"""Answer questions about videos from Python."""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mcg.datasets.transforms import VideoReadError

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
    """

    def __init__(self, config: Union[str, Config],
                 checkpoint: Optional[str] = None, device: str = 'cpu',
                 cfg_options: Optional[dict] = None,
                 cache_size: int = 8) -> None:
        cfg = Config.fromfile(config) if isinstance(config, str) else config
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        self.cfg = cfg
        # Build inside mcg's scope without leaking it to the caller.
        with DefaultScope.overwrite_default_scope('mcg'):
            from mcg.registry import MODELS, TRANSFORMS
            self.model = MODELS.build(cfg.model)
            if checkpoint is not None:
                self._load(checkpoint)
            self.model.to(device).eval()
            pipeline = cfg.test_dataloader.dataset.pipeline
            self.pipeline = [TRANSFORMS.build(t) for t in pipeline]
        self.device = device
        self.cache_size = cache_size
        self._clips: Dict[str, torch.Tensor] = {}

    def _load(self, checkpoint: str) -> None:
        from mcg.engine.checkpoint import load_checkpoint_file
        if not os.path.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint {checkpoint} not found')
        state = load_checkpoint_file(checkpoint, map_location='cpu')
        state = state.get('state_dict', state)
        missing, unexpected = self.model.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise KeyError(f'checkpoint {checkpoint} does not match the '
                           f'config: missing {missing[:5]}, unexpected '
                           f'{unexpected[:5]}')

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
            self._clips.pop(next(iter(self._clips)))
        self._clips[key] = clip
        return clip

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
        from mcg.structures import VideoQADataSample
        clip = self._clip(video)
        samples = [VideoQADataSample(metainfo=dict(
            question=q.strip().lower(), question_id=str(i), video_index=0,
            video_id=os.path.basename(video),
            # The model's per-video feature cache keys on the path.
            video_path=os.path.realpath(video))) for i, q in enumerate(qs)]
        with DefaultScope.overwrite_default_scope('mcg'):
            data = self.model.data_preprocessor(
                dict(inputs=clip[None], data_samples=samples))
            preds = self.model(**data, mode='predict')
        out = []
        for q, s in zip(qs, preds):
            rec = dict(question=q, answer=s.pred_answer)
            if 'pred_scores' in s:
                rec['scores'] = s.pred_scores
            out.append(rec)
        return out[0] if single else out
