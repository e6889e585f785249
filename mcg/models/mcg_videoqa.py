"""The assembled MCG model for video question answering."""
from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModel
from torch import Tensor, nn

from mcg.models.feature_cache import VideoFeatureCache, clip_key
from mcg.models.padded_rows import replace_rows
from mcg.models.question_audit import QuestionAudit
from mcg.layers.linear import route_linears
from mcg.layers.transformer_block import MemoryPart, shared_part
from mcg.registry import (MODELS, TOKENIZERS, build_fusor, build_head,
                          build_loss, build_text_encoder, build_video_encoder)
from mcg.structures.features import (FusedText, ModelWidths, Stages,
                                     VideoQAFeatures)

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
        linear_impl: Matmul backend of the video encoder's ``nn.Linear``
            layers (:mod:`mcg.layers.linear`): ``'auto'`` takes oneDNN for
            fp32 on CPU (1.6-2.0x faster than MKL there on the AMD CPU
            measured) and PyTorch's own elsewhere; ``'aten'`` always
            PyTorch's own. Only the video encoder: its row counts are fixed
            by the clip shape, while the text side's change with every
            batch's question lengths, and oneDNN builds a kernel for each
            new shape (~25 ms, against ~1 ms for the product itself at the
            demo's width).
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
                 linear_impl: str = 'auto',
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
        widths = ModelWidths(video=self.video_encoder.embed_dims,
                             text=self.text_encoder.embed_dims,
                             fused=self.fusor.embed_dims)
        self.head = build_head(head)
        # Sized by the model where a width was not given (classifier).
        self.head.bind(self.tokenizer, self.text_encoder, widths)
        if hasattr(self.fusor, 'bind'):
            # e.g. the official layout's fusor re-runs the text encoder.
            self.fusor.bind(self.text_encoder)
        self.losses = nn.ModuleDict({
            name: build_loss(cfg) for name, cfg in (losses or {}).items()
            if cfg is not None
        })
        for loss in self.losses.values():
            # Losses sized by the model (ICL/TCL projections, VTM head).
            loss.set_widths(widths)
        self._check_similarity_sources()
        scorer = self.head.choice_scorer
        if scorer is not None:
            # e.g. VTM scoring with the VTM loss's (pre-trained) head.
            shared = self.losses[scorer.head_from].head \
                if scorer.head_from in self.losses else None
            scorer.bind(self.head, widths.fused, shared)
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
        route_linears(self.video_encoder, linear_impl)

    def _check_similarity_sources(self) -> None:
        """Losses named by another's ``similarity_from`` must provide one."""
        for name, loss in self.losses.items():
            source = self.losses[loss.similarity_from] \
                if loss.similarity_from in self.losses else None
            if source is not None and not source.provides_similarity:
                raise TypeError(
                    f'loss {name!r} takes its similarity from '
                    f'{loss.similarity_from!r} ({type(source).__name__}), '
                    'which has none')

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

    # -- stages -----------------------------------------------------------------
    def stages(self) -> Stages:
        """The stage methods handed to losses and choice scorers."""
        return Stages(fuse=self.fuse, fuse_texts=self.fuse_texts)

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

    def encode_video(self, video: Tensor,
                     cache_keys: Optional[Sequence] = None) -> Tensor:
        """Run the video encoder, through the feature cache if allowed.

        Args:
            video: (V, T, C, H, W) normalised clips.
            cache_keys: One key per clip (see :func:`clip_key`) to reuse or
                store its tokens; None, training mode and enabled gradients
                encode directly.

        Returns:
            (V, L, D) clip tokens.
        """
        if (cache_keys is None or self.training or torch.is_grad_enabled()
                or self.video_cache.size == 0):
            return self.video_encoder(video)
        return self.video_cache.encode(self.video_encoder, video,
                                       list(cache_keys))

    def encode_text(self, questions: Sequence[str],
                    device: torch.device) -> Tuple[Tensor, Tensor]:
        """Tokenise questions and run the text encoder.

        Returns:
            (N, K, D) text states and their (N, K) attention mask.
        """
        tok = self.tokenize_questions(questions, device)
        mask = tok['attention_mask']
        return self.text_encoder(tok['input_ids'], mask), mask

    def fuse(self, text: Tensor, text_mask: Tensor, clips: Tensor,
             clip_index: Union[Tensor, Sequence[int]]
             ) -> Tuple[Tensor, Tensor]:
        """Fuse encoded texts with clips, any pairing.

        Each clip's keys/values are projected once for all texts paired
        with it.

        Args:
            text: (N, K, Dt) text states.
            text_mask: (N, K) their mask.
            clips: (V, L, Dv) clip tokens.
            clip_index: Clip row of each text: an (N,) device tensor, or a
                host sequence of ints (grouped on the host, no device read).

        Returns:
            (N, F, Df) fused states (``[FUS]`` first) and their mask.
        """
        return self.fusor(text, text_mask, [_clip_part(clips, clip_index)])

    def fuse_texts(self, texts: Sequence[str], clips: Tensor,
                   clip_index: Union[Tensor, Sequence[int]]) -> FusedText:
        """Questions to fused states: tokenise, text encoder, fusor.

        The one path used by training (questions or captions), the prompts
        of captioning rows and multiple-choice scoring.

        Args:
            texts: One text per row.
            clips: (V, L, Dv) clip tokens.
            clip_index: Clip row of each text (see :meth:`fuse`).

        Returns:
            The text states and the fused states, with masks.
        """
        text, text_mask = self.encode_text(texts, clips.device)
        fused, fused_mask = self.fuse(text, text_mask, clips, clip_index)
        return FusedText(text, text_mask, fused, fused_mask)

    def head_memory(self, fused: Tensor, fused_mask: Tensor, clips: Tensor,
                    clip_index: Union[Tensor, Sequence[int]]
                    ) -> Tuple[List[MemoryPart], Tensor]:
        """What the head cross-attends to (``generator_memory``).

        Returns:
            A list of :class:`MemoryPart` (the fused states, then the clip
            tokens with ``'fusor+video'``) and its (N, M) mask.
        """
        memory, memory_mask = [MemoryPart(fused)], fused_mask
        if self.generator_memory == 'fusor+video':
            memory.append(_clip_part(clips, clip_index))
            memory_mask = torch.cat(
                [fused_mask, fused_mask.new_ones(len(fused), clips.shape[1])],
                dim=1)
        return memory, memory_mask

    def extract_feat(self, video: Tensor, data_samples: Sequence,
                     use_cache: bool = False) -> VideoQAFeatures:
        """Encode videos once and questions, then fuse each question.

        Args:
            video: (V, T, C, H, W) normalised clips, one per distinct video.
            data_samples: One sample per question, with ``video_index``.
            use_cache: Take clip tokens from the per-video feature cache
                (prediction only; see :meth:`encode_video`).

        Returns:
            The batch's :class:`VideoQAFeatures` (no head outputs yet).
        """
        rows = [s.metainfo.get('video_index', i)
                for i, s in enumerate(data_samples)]
        keys = None
        if use_cache:
            keys = [None] * video.shape[0]
            for row, sample in zip(rows, data_samples):
                if keys[row] is None:
                    keys[row] = clip_key(sample.metainfo)
        clips = self.encode_video(video, keys)
        # A host list: the fusor attends without copying the clips'
        # keys/values per question and without reading back from the device.
        fused = self.fuse_texts([s.question for s in data_samples], clips,
                                rows)
        memory, memory_mask = self.head_memory(fused.fused, fused.fused_mask,
                                               clips, rows)
        return VideoQAFeatures(
            clips=clips,
            clip_index=torch.as_tensor(rows, dtype=torch.long,
                                       device=clips.device),
            text=fused.text, text_mask=fused.text_mask, fused=fused.fused,
            fused_mask=fused.fused_mask, memory=memory,
            memory_mask=memory_mask)

    def prompted_memory(self, features: VideoQAFeatures,
                        data_samples: Sequence
                        ) -> Tuple[List[MemoryPart], Tensor]:
        """The head's memory with prompted rows conditioned on their prompt.

        Pre-training caption pairs carry the caption as the question (the
        text of ICL, TCL and VTM) and as the LM target, plus a metainfo
        ``lm_prompt`` (e.g. "what does the video show"). The LM term (Eq. 10)
        conditions on the video only, so for those rows the generator's
        memory is rebuilt from the fusor run on the prompt instead of the
        caption (otherwise it would copy the caption). Other rows, and
        everything the other losses read, are unchanged.

        Returns:
            The memory and its mask (``features``' own without prompts).
        """
        rows = [i for i, s in enumerate(data_samples)
                if s.metainfo.get('lm_prompt')]
        if not rows:
            return features.memory, features.memory_mask
        fused, fused_mask = features.fused, features.fused_mask
        idx = torch.as_tensor(rows, device=fused.device)
        prompt = self.fuse_texts([data_samples[i].lm_prompt for i in rows],
                                 features.clips, features.clip_index[idx])
        gen, gen_mask = replace_rows(fused, fused_mask, idx, prompt.fused,
                                     prompt.fused_mask)
        # Memory parts after the fused states (video tokens) are kept.
        rest = features.memory_mask[:, fused.shape[1]:]
        return ([MemoryPart(gen)] + list(features.memory[1:]),
                torch.cat([gen_mask, rest], dim=1))

    # -- MMEngine contract ------------------------------------------------------
    def forward(self, inputs: Tensor, data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.extract_feat(inputs, data_samples).fused
        raise ValueError(f'Invalid mode {mode!r}')

    def loss(self, inputs: Tensor, data_samples: List) -> Dict[str, Tensor]:
        """Weighted losses (``loss_<name>``) and diagnostics (``acc_*``)."""
        features = self.extract_feat(inputs, data_samples)
        features.memory, features.memory_mask = self.prompted_memory(
            features, data_samples)
        stages = self.stages()
        features.head_outputs.update(self.head.loss_inputs(
            features.memory, features.memory_mask, data_samples))
        features.head_outputs.update(self.head.choice_loss_inputs(
            features, data_samples, stages))
        results = features.diagnostics()
        for name, loss in self.losses.items():
            if loss.weight == 0:
                continue
            missing = [k for k in loss.requires if not features.provides(k)]
            if missing:
                raise KeyError(
                    f'loss {name!r} ({type(loss).__name__}) needs {missing}, '
                    'which the configured head '
                    f'{type(self.head).__name__} does not produce')
            out = loss(features, self._loss_stages(loss, stages))
            results[f'loss_{name}'] = loss.weight * out.loss
            results.update({k: v for k, v in out.diagnostics.items()
                            if k not in results})
        if not any(k.startswith('loss_') for k in results):
            raise RuntimeError('no active loss: every loss in model.losses '
                               'has weight 0 or the dict is empty')
        return results

    def _loss_stages(self, loss: nn.Module, stages: Stages) -> Stages:
        """``stages`` plus the similarity named by ``loss.similarity_from``."""
        source = self.losses[loss.similarity_from] \
            if loss.similarity_from in self.losses else None
        if source is None:
            return stages
        return replace(stages, similarity=source.similarity)

    @torch.no_grad()
    def predict(self, inputs: Tensor, data_samples: List) -> List:
        """Fill ``pred_answer`` of each data sample (and ``pred_label``,
        ``pred_scores`` of multiple-choice ones when the head scores them)."""
        features = self.extract_feat(inputs, data_samples, use_cache=True)
        answers = self.head.predict(features.memory, features.memory_mask,
                                    data_samples)
        for sample, answer in zip(data_samples, answers):
            sample.pred_answer = answer
        # Multiple-choice samples: pred_label/pred_scores (head's scorer).
        self.head.predict_choices(features, data_samples, self.stages())
        return data_samples


def _clip_part(clips: Tensor,
               clip_index: Union[Tensor, Sequence[int]]) -> MemoryPart:
    """Clips as a memory part shared by the rows that index them."""
    if isinstance(clip_index, Tensor):
        return MemoryPart(clips, clip_index)
    return shared_part(clips, clip_index)
