"""What inference needs besides the weights, saved in every checkpoint.

A generator trained with ``model.head.output_vocab=data_root +
'/train_a.json'`` scores only the tokens of those answers, and the
classifier head's classes come from its ``answer_file``. Both files belong
to the dataset, which an inference machine may not have, and a relative path
depends on the working directory. :class:`InferenceMetaHook` (one of the
default hooks) therefore writes ``checkpoint['meta']['mcg_inference']``:

- ``head``: the head's type;
- ``output_vocab`` (generator): the distinct answers of the shortlist, or
  None for the full vocabulary; ``output_token_ids``: their token ids;
- ``classes`` (classifier): the answer of each class;
- ``added_tokens``: the tokenizer's added tokens and their ids.

MMEngine saves the config text itself in ``meta['cfg']``.

Before the model is built for testing or inference,
:func:`apply_inference_meta` puts the saved vocabulary into the config, so
the dataset is not read. A config that contradicts the checkpoint (e.g.
``--cfg-options model.head.output_vocab=None`` for a generator trained on a
shortlist, which would silently change the answers) is refused with an
explanation unless loading is non-strict. After the build,
:func:`load_for_inference` checks that the tokenizer gives the saved token
ids, then loads the weights (:func:`~.checkpoint_fit.load_trained_weights`).

Checkpoints written before this hook existed have no such entry; the
config's files are used for them, as before.
"""
from __future__ import annotations

import copy
import logging
from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from torch import nn

from mcg.heads import read_answers
from mcg.registry import HOOKS, MODELS
from mcg.utils.pretrained import optional
from .checkpoint_fit import CheckpointError, KeyFit, load_trained_weights
from .model_utils import unwrap_model

#: Key of the entry in ``checkpoint['meta']``.
META_KEY = 'mcg_inference'


def collect_inference_meta(model: nn.Module) -> dict:
    """The vocabulary and tokenizer facts inference needs (see module doc).

    Args:
        model: The (unwrapped) model, with ``head`` and ``tokenizer``.

    Returns:
        A dict of plain Python values (weights-only loadable).

    Raises:
        OSError: The head's answer file cannot be read.
    """
    head = model.head
    meta = dict(head=type(head).__name__)
    tokenizer = getattr(model, 'tokenizer', None)
    if tokenizer is not None:
        meta['added_tokens'] = {str(k): int(v) for k, v in
                                tokenizer.get_added_vocab().items()}
    if hasattr(head, 'output_vocab') and hasattr(head, 'vocab_ids'):
        source = head.output_vocab
        if source is None:
            meta['output_vocab'] = meta['output_token_ids'] = None
        else:
            answers = (read_answers(source) if isinstance(source, str)
                       else list(source))
            meta['output_vocab'] = sorted(set(answers))
            meta['output_token_ids'] = [int(i) for i in head.vocab_ids]
    if hasattr(head, 'classes'):
        meta['classes'] = list(head.classes)
    return meta


@HOOKS.register_module()
class InferenceMetaHook(Hook):
    """Save :func:`collect_inference_meta` in every checkpoint's ``meta``.

    The answers are read once, at the first save (the dataset is there
    while training).
    """

    priority = 'LOW'

    def __init__(self) -> None:
        self._meta: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._meta is None:
            try:
                self._meta = collect_inference_meta(
                    unwrap_model(runner.model))
            except (OSError, ValueError) as exc:
                runner.logger.warning(
                    'the checkpoint will not carry the answer vocabulary '
                    f'(inference will need the config\'s files): {exc}')
                self._meta = {}
        if self._meta:
            checkpoint.setdefault('meta', {})[META_KEY] = copy.deepcopy(
                self._meta)


def saved_meta(checkpoint: dict) -> Optional[dict]:
    """The checkpoint's ``mcg_inference`` entry, or None."""
    meta = (checkpoint.get('meta') or {}).get(META_KEY)
    return meta if isinstance(meta, dict) else None


def apply_inference_meta(cfg, checkpoint: dict, filename: str,
                         strict: bool = True) -> None:
    """Use the checkpoint's answer vocabulary in ``cfg.model.head``.

    Args:
        cfg: The config, modified in place before the model is built.
        checkpoint: As returned by :func:`~.checkpoint_fit.read_checkpoint`.
        filename: The checkpoint's path, for messages.
        strict: Refuse a config whose vocabulary contradicts the
            checkpoint's; False keeps the config's and logs a warning.

    Raises:
        CheckpointError: ``strict`` and the config contradicts it.
    """
    meta = saved_meta(checkpoint)
    head = cfg.model.get('head')
    if meta is None or not isinstance(head, dict) or str(
            head.get('type', '')).split('.')[-1] != meta.get('head'):
        return  # old checkpoint; another head is refused by the weights
    if 'output_vocab' in meta:
        saved, wanted = meta['output_vocab'], optional(
            head.get('output_vocab'))
        problem = None
        if saved is not None and wanted is None:
            problem = (
                f'the checkpoint\'s generator was trained to score only the '
                f'{len(meta["output_token_ids"])} tokens of its {len(saved)} '
                'answers (model.head.output_vocab, saved in the checkpoint), '
                'but the config sets model.head.output_vocab=None: scoring '
                'the whole vocabulary, with tokens it never learned, would '
                'change its answers. Remove that override: the checkpoint\'s '
                'answer vocabulary is used, wherever the config\'s file is.')
        elif saved is None and wanted is not None:
            problem = (
                'the checkpoint\'s generator was trained on the whole '
                f'vocabulary, but the config restricts it to the answers of '
                f'model.head.output_vocab={wanted!r}, which would change its '
                'answers. Set --cfg-options model.head.output_vocab=None.')
        if problem is None:
            if saved is not None:
                head['output_vocab'] = list(saved)
        elif strict:
            raise CheckpointError(f'{filename}: {problem} (--non-strict uses '
                                  'the config\'s setting anyway.)')
        else:
            print_log(f'{filename}: {problem} non-strict: using the '
                      'config\'s setting.', logger='current',
                      level=logging.WARNING)
    if meta.get('classes') is not None:
        head['answers'] = list(meta['classes'])
        head['answer_file'] = None


def check_tokenizer(model: nn.Module, checkpoint: dict, filename: str,
                    strict: bool = True) -> None:
    """Check that the built tokenizer matches the one the model trained with.

    Raises:
        CheckpointError: ``strict`` and the added tokens or the generator's
            shortlist token ids differ from the saved ones.
    """
    meta = saved_meta(checkpoint)
    if meta is None or meta.get('head') != type(model.head).__name__:
        return
    problems = []
    saved = meta.get('added_tokens')
    tokenizer = getattr(model, 'tokenizer', None)
    if saved is not None and tokenizer is not None:
        built = {str(k): int(v) for k, v in
                 tokenizer.get_added_vocab().items()}
        if built != saved:
            problems.append(f'the tokenizer\'s added tokens {built} differ '
                            f'from the checkpoint\'s {saved}')
    ids = meta.get('output_token_ids')
    built_ids = getattr(model.head, 'vocab_ids', None)
    if ids is not None and built_ids is not None and [
            int(i) for i in built_ids] != ids:
        problems.append('the tokenizer splits the checkpoint\'s answers '
                        'into other tokens than in training')
    if not problems:
        return
    message = (f'{filename}: {"; ".join(problems)}: the model would read '
               'and write other words than it learned (is '
               'model.tokenizer the one it was trained with?)')
    if strict:
        raise CheckpointError(message)
    print_log(message, logger='current', level=logging.WARNING)


def load_for_inference(model: nn.Module, checkpoint: dict, filename: str,
                       strict: bool = True) -> KeyFit:
    """Check the tokenizer, then load every weight (see module doc).

    Args:
        model: The (unwrapped) model built from the config that
            :func:`apply_inference_meta` adjusted.
        checkpoint: As returned by :func:`~.checkpoint_fit.read_checkpoint`.
        filename: The checkpoint's path, for messages.
        strict: Refuse what does not fit; False loads what does.

    Returns:
        How the weights fit.

    Raises:
        CheckpointError: ``strict`` and something does not fit.
    """
    check_tokenizer(model, checkpoint, filename, strict)
    return load_trained_weights(model, checkpoint, filename, strict)


def check_with_plain_build(cfg, checkpoint: dict, filename: str,
                           strict: bool = True) -> KeyFit:
    """:func:`load_for_inference` into a model built here from ``cfg``.

    For runners that build (and shard) the model only when testing starts,
    such as MMEngine's ``FlexibleRunner`` with FSDP or DeepSpeed: the check
    runs on a plain build, then the runner loads the file itself.

    Returns:
        How the weights fit.

    Raises:
        CheckpointError: ``strict`` and something does not fit.
    """
    with DefaultScope.overwrite_default_scope('mcg'):
        model = MODELS.build(copy.deepcopy(cfg.model))
    return load_for_inference(model, checkpoint, filename, strict)


__all__ = ['META_KEY', 'InferenceMetaHook', 'apply_inference_meta',
           'check_tokenizer', 'check_with_plain_build',
           'collect_inference_meta', 'load_for_inference', 'saved_meta']
