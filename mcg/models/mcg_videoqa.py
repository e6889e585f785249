"""The assembled MCG model for video question answering."""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from torch import Tensor, nn

from mcg.models.feature_cache import VideoFeatureCache, clip_key
from mcg.models.question_audit import QuestionAudit
from mcg.layers.transformer_block import MemoryPart, shared_part
from mcg.registry import (MODELS, TOKENIZERS, build_fusor, build_head,
                          build_loss, build_text_encoder, build_video_encoder)

ConfigType = Union[dict, nn.Module]


@MODELS.register_module()
class MCGVideoQA(BaseModel):
    """MCG: joint unimodal encoders, cross-modal fusor, answer head, losses.

    Each question is encoded by the text encoder, fused with the tokens of its
    video, and answered by the head. Questions about the same video share one
    video-encoder pass: the batch holds one clip per video and each data
    sample's ``video_index`` points at its clip.

    Args:
        video_encoder: Config of a :class:`BaseVideoEncoder` (the IVM).
        text_encoder: Config of a :class:`BaseTextEncoder` (the IQM).
        fusor: Config of a :class:`BaseFusor` (the CFor).
        head: Config of a :class:`BaseAnswerHead` (generator or classifier).
        tokenizer: Config of a tokenizer in the ``TOKENIZERS`` registry.
        losses: Dict of name -> loss config; each loss is logged as
            ``loss_<name>`` and a weight of 0 switches it off.
        data_preprocessor: Config of the data preprocessor.
        max_question_len: Question tokens kept, ``[CLS]``/``[SEP]`` included.
        question_padding: ``'longest'`` pads a batch's questions to its
            longest; ``'max_length'`` to ``max_question_len``, as the official
            code does (its decoder attends to the padding, so the official
            layout needs the same padding to compute the same function).
        generator_memory: What the head cross-attends to: ``'fusor'`` (the
            fused states; default, the paper's reading) or ``'fusor+video'``
            (fused states followed by the video tokens; needs equal widths).
            Which learns better depends on the init: with BERT's 0.02 a
            32-wide model did not fit a 6-question batch in 100 steps with
            ``'fusor+video'`` and did with ``'fusor'`` (the appended tokens
            bury the few fused ones under near-uniform attention); the
            ShapesQA demo (128 wide, init 0.09, from scratch) reached 74 %
            All with ``'fusor+video'`` against 66 % with ``'fusor'``, mostly
            on questions that read an object's position (docs/demo.md).
        video_cache_size: Clips whose video-encoder output is kept between
            prediction batches (evaluation and inference only; see
            :class:`VideoFeatureCache`); 0 switches the cache off. It is
            cleared whenever the model goes back to training mode or loads
            weights.
        frozen_parameters: Name prefixes of parameters kept fixed
            (``requires_grad=False``: no gradient, no optimizer state), e.g.
            ``'text_encoder.bert.embeddings.word_embeddings'``; each must
            match at least one parameter. A parameter shared by several
            modules (the word embeddings, which the generator ties to its
            output layer) is frozen everywhere.
        init_cfg: MMEngine init config.
    """

    def __init__(self, video_encoder: ConfigType, text_encoder: ConfigType,
                 fusor: ConfigType, head: ConfigType, tokenizer: dict,
                 losses: Optional[Dict[str, dict]] = None,
                 data_preprocessor: Optional[ConfigType] = None,
                 max_question_len: int = 40,
                 question_padding: str = 'longest',
                 generator_memory: str = 'fusor',
                 video_cache_size: int = 32,
                 frozen_parameters: Sequence[str] = (),
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='VideoQADataPreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if generator_memory not in ('fusor', 'fusor+video'):
            raise ValueError("generator_memory must be 'fusor' or "
                             f"'fusor+video', got {generator_memory!r}")
        self.tokenizer = TOKENIZERS.build(tokenizer)
        self.video_encoder = build_video_encoder(video_encoder)
        self.text_encoder = build_text_encoder(text_encoder)
        self.fusor = build_fusor(fusor)
        self.head = build_head(head)
        self.head.bind(self.tokenizer, self.text_encoder)
        if hasattr(self.fusor, 'bind'):
            # e.g. the official layout's fusor re-runs the text encoder.
            self.fusor.bind(self.text_encoder)
        self.losses = nn.ModuleDict({
            name: build_loss(cfg) for name, cfg in (losses or {}).items()
            if cfg is not None
        })
        for loss in self.losses.values():
            # Losses sized by the model (ICL/TCL projections, VTM head).
            loss.bind(self)
        # Heads whose scorers use other parts (multiple-choice VTM scoring).
        self.head.bind_model(self)
        self.max_question_len = max_question_len
        if question_padding not in ('longest', 'max_length'):
            raise ValueError("question_padding must be 'longest' or "
                             f"'max_length', got {question_padding!r}")
        self.question_padding = question_padding
        # Counts questions cut at max_question_len and [UNK] tokens.
        self.question_audit = QuestionAudit()
        self.generator_memory = generator_memory
        self.video_cache = VideoFeatureCache(video_cache_size)
        # Loading weights (e.g. the best checkpoint before testing) also
        # invalidates cached features; the hook fires via parents too.
        self.register_load_state_dict_post_hook(
            lambda module, _keys: module.video_cache.clear())
        if (generator_memory == 'fusor+video'
                and self.fusor.embed_dims != self.video_encoder.embed_dims):
            raise ValueError(
                "generator_memory='fusor+video' needs the fusor width "
                f'({self.fusor.embed_dims}) to equal the video width '
                f'({self.video_encoder.embed_dims}); use \'fusor\' instead.')
        self.freeze(frozen_parameters)

    def freeze(self, prefixes: Sequence[str]) -> None:
        """Stop training the parameters whose names start with a prefix.

        Raises:
            ValueError: A prefix matches no parameter (a typo would otherwise
                silently train everything).
        """
        if isinstance(prefixes, str):
            prefixes = [prefixes]
        params = dict(self.named_parameters(remove_duplicate=False))
        for prefix in prefixes:
            hits = [n for n in params
                    if n == prefix or n.startswith(prefix.rstrip('.') + '.')]
            if not hits:
                raise ValueError(
                    f'frozen_parameters: {prefix!r} matches no parameter of '
                    f'the model; names look like {list(params)[:3]}')
            for name in hits:
                params[name].requires_grad_(False)

    # -- encoding ---------------------------------------------------------------
    def tokenize_questions(self, questions: Sequence[str],
                           device: torch.device) -> Dict[str, Tensor]:
        """Tokenise questions as ``[CLS] q [SEP]``, padded as configured."""
        if any(not q or not q.strip() for q in questions):
            raise ValueError('empty question in the batch')
        self.question_audit.check(self.tokenizer, questions,
                                  self.max_question_len)
        tok = self.tokenizer(list(questions), padding=self.question_padding,
                             truncation=True, max_length=self.max_question_len,
                             return_tensors='pt')
        return {k: tok[k].to(device) for k in ('input_ids', 'attention_mask')}

    def train(self, mode: bool = True) -> 'MCGVideoQA':
        # Cached features belong to the weights they were computed with;
        # every switch to training (e.g. after a validation run) drops them.
        if mode:
            self.video_cache.clear()
        return super().train(mode)

    def encode_videos(self, video: Tensor, data_samples: Sequence,
                      use_cache: bool = False) -> Tensor:
        """Run the video encoder, through the feature cache if allowed.

        Args:
            video: (V, T, C, H, W) normalised clips.
            data_samples: One sample per question, with ``video_index``.
            use_cache: Reuse/store clip tokens by clip key; ignored in
                training mode and when gradients are enabled.

        Returns:
            (V, L, D) clip tokens.
        """
        if (not use_cache or self.training or torch.is_grad_enabled()
                or self.video_cache.size == 0):
            return self.video_encoder(video)
        keys = [None] * video.shape[0]
        for i, s in enumerate(data_samples):
            row = s.metainfo.get('video_index', i)
            if keys[row] is None:
                keys[row] = clip_key(s.metainfo)
        return self.video_cache.encode(self.video_encoder, video, keys)

    def extract_feat(self, video: Tensor, data_samples: Sequence,
                     use_cache: bool = False) -> Dict[str, Tensor]:
        """Encode videos once and questions, then fuse each question.

        Args:
            video: (V, T, C, H, W) normalised clips, one per distinct video.
            data_samples: One sample per question, with ``video_index``.
            use_cache: Take clip tokens from the per-video feature cache
                (prediction only; see :meth:`encode_videos`).

        Returns:
            Dict with ``video_clips`` (one row per video), ``video_index``
            (clip row of each question), ``text``, ``text_mask``, ``fused``,
            ``fused_mask``, and the head's cross-attention ``memory`` (a list
            of :class:`MemoryPart`) with its ``memory_mask``.
        """
        clips = self.encode_videos(video, data_samples, use_cache)
        # Grouped on the host: the fusor attends without copying the clips'
        # keys/values per question and without reading back from the device.
        shared_video = shared_part(
            clips, [s.metainfo.get('video_index', i)
                    for i, s in enumerate(data_samples)])
        index = shared_video.index
        tok = self.tokenize_questions([s.question for s in data_samples],
                                      clips.device)
        text = self.text_encoder(tok['input_ids'], tok['attention_mask'])
        fused, fused_mask = self.fusor(text, tok['attention_mask'],
                                       [shared_video])
        memory, memory_mask = [MemoryPart(fused)], fused_mask
        if self.generator_memory == 'fusor+video':
            memory.append(shared_video)
            memory_mask = torch.cat(
                [fused_mask, fused_mask.new_ones(len(index), clips.shape[1])],
                dim=1)
        return dict(video_clips=clips, video_index=index, text=text,
                    text_mask=tok['attention_mask'], fused=fused,
                    fused_mask=fused_mask, memory=memory,
                    memory_mask=memory_mask)

    def pair_fuser(self, outputs: Dict) -> Callable:
        """Return ``fuse(text_rows, clip_rows) -> (fused, fused_mask)``.

        It fuses arbitrary (question, clip) pairs of the encoded batch, e.g.
        the hard negatives of the VTM loss, reusing the encoder outputs and
        the shared-clip memory (each clip's keys/values projected once).
        """
        # Capture the tensors, not ``outputs``: the closure is stored in
        # ``outputs``, and a dict -> closure -> dict cycle keeps every
        # step's autograd graph alive until Python's cyclic GC happens to
        # run (RSS grew ~0.1 GB per step with VTM choice scoring).
        text, text_mask = outputs['text'], outputs['text_mask']
        clips = outputs['video_clips']

        def fuse(text_rows: Tensor, clip_rows: Tensor):
            return self.fusor(text[text_rows], text_mask[text_rows],
                              [MemoryPart(clips, clip_rows)])
        return fuse

    def prompt_generator(self, outputs: Dict, data_samples: Sequence) -> None:
        """Condition the generator of prompted samples on a prompt + video.

        Pre-training caption pairs carry the caption as the question (the
        text of ICL, TCL and VTM) and as the LM target, plus a metainfo
        ``lm_prompt`` (e.g. "what does the video show"). The LM term (Eq. 10)
        conditions on the video only, so for those rows the generator's
        memory is rebuilt from the fusor run on the prompt instead of the
        caption (otherwise it would copy the caption). Other rows, and
        everything the other losses read, are unchanged.
        """
        rows = [i for i, s in enumerate(data_samples)
                if s.metainfo.get('lm_prompt')]
        if not rows:
            return
        fused, fused_mask = outputs['fused'], outputs['fused_mask']
        idx = torch.as_tensor(rows, device=fused.device)
        tok = self.tokenize_questions(
            [data_samples[i].lm_prompt for i in rows], fused.device)
        prompt = self.text_encoder(tok['input_ids'], tok['attention_mask'])
        p_fused, p_mask = self.fusor(
            prompt, tok['attention_mask'],
            [MemoryPart(outputs['video_clips'], outputs['video_index'][idx])])
        width = max(fused.shape[1], p_fused.shape[1])

        def pad(x: Tensor) -> Tensor:
            extra = width - x.shape[1]
            if extra == 0:
                return x
            return torch.cat([x, x.new_zeros(x.shape[0], extra,
                                             *x.shape[2:])], dim=1)
        gen = pad(fused).index_copy(0, idx, pad(p_fused).to(fused.dtype))
        gen_mask = pad(fused_mask).index_copy(0, idx,
                                              pad(p_mask).to(fused_mask))
        # Memory parts after the fused states (video tokens) are kept.
        rest = outputs['memory_mask'][:, fused.shape[1]:]
        outputs['memory'] = [MemoryPart(gen)] + list(outputs['memory'][1:])
        outputs['memory_mask'] = torch.cat([gen_mask, rest], dim=1)

    # -- MMEngine contract ------------------------------------------------------
    def forward(self, inputs: Tensor, data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs, data_samples)['fused']
        raise ValueError(f'Invalid mode {mode!r}')

    def loss(self, inputs: Tensor, data_samples: List) -> Dict[str, Tensor]:
        """Weighted losses (``loss_<name>``) and diagnostics (``acc_*``)."""
        outputs = self.extract_feat(inputs, data_samples)
        outputs['fuse'] = self.pair_fuser(outputs)
        self.prompt_generator(outputs, data_samples)
        outputs.update(self.head.loss_inputs(outputs['memory'],
                                             outputs['memory_mask'],
                                             data_samples))
        outputs.update(self.head.extra_loss_inputs(outputs, data_samples))
        results = {k: v for k, v in outputs.items() if k.startswith('acc_')}
        for name, loss in self.losses.items():
            if loss.weight == 0:
                continue
            missing = [k for k in loss.requires if k not in outputs]
            if missing:
                raise KeyError(
                    f'loss {name!r} ({type(loss).__name__}) needs {missing}, '
                    f'which the configured head {type(self.head).__name__} '
                    'does not produce')
            results[f'loss_{name}'] = loss.weight * loss(outputs)
        # Diagnostics written by the losses themselves (acc_icl, acc_vtm).
        results.update({k: v for k, v in outputs.items()
                        if k.startswith('acc_') and k not in results})
        if not any(k.startswith('loss_') for k in results):
            raise RuntimeError('no active loss: every loss in model.losses '
                               'has weight 0 or the dict is empty')
        return results

    @torch.no_grad()
    def predict(self, inputs: Tensor, data_samples: List) -> List:
        """Fill ``pred_answer`` of each data sample (and ``pred_label``,
        ``pred_scores`` of multiple-choice ones when the head scores them)."""
        outputs = self.extract_feat(inputs, data_samples, use_cache=True)
        answers = self.head.predict(outputs['memory'], outputs['memory_mask'],
                                    data_samples)
        for sample, answer in zip(data_samples, answers):
            sample.pred_answer = answer
        # Multiple-choice samples: pred_label/pred_scores (head's scorer).
        self.head.predict_choices(outputs, data_samples)
        return data_samples
