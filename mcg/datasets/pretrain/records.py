"""The item layout shared by the pre-training datasets.

Every item is one clip (a video, or an image repeated as a clip) with a list
of texts about it, in the layout of :class:`ActivityNetQADataset`'s items,
so the usual pipeline (``PackVideoQAInputs``) and ``videoqa_collate`` apply:

* caption pairs (WebVid-2M, CC3M, ShapesQA captions) carry the caption as
  ``question`` (the text encoder's input, used by ICL/TCL/VTM) and as
  ``answer`` (the LM target), with ``task='caption'`` and an ``lm_prompt``:
  the model's generator then reads the fusor's output for the prompt and the
  video instead of the caption, i.e. it captions the video (Eq. 10) rather
  than copying its input;
* VideoQA pairs (TGIF-QA, ShapesQA) carry question and answer with
  ``task='qa'``, trained exactly like fine-tuning samples.

Pipelines must keep both in the metainfo:
``dict(type='PackVideoQAInputs', meta_keys=('task', 'lm_prompt'))``.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional

#: Where the pre-training data layouts are documented.
DATA_DOC = 'docs/pretraining.md'
TASKS = ('caption', 'qa')
#: The generator's question for caption pairs.
CAPTION_PROMPT = 'what does the video show'


def text_record(text_id: str, question: str, answer: str, task: str,
                lm_prompt: Optional[str] = None) -> Dict:
    """One text about a clip (an entry of an item's ``qa`` list)."""
    if task not in TASKS:
        raise ValueError(f'task must be one of {TASKS}, got {task!r}')
    record = dict(question=question, question_id=text_id, answer=answer,
                  answer_type=None, task=task)
    if lm_prompt:
        record['lm_prompt'] = lm_prompt
    return record


def caption_item(video_id: str, path: str, captions: List[str],
                 path_key: str = 'video_path',
                 lm_prompt: str = CAPTION_PROMPT) -> Dict:
    """An item whose texts are captions of one clip.

    Args:
        video_id: Identifier of the clip.
        path: Video (or image) file.
        captions: One or more captions; several captions of one clip share
            its encoding and are not negatives of each other in ICL.
        path_key: ``'video_path'`` or ``'image_path'``.
        lm_prompt: The generator's question for these captions.

    Returns:
        The item dict.
    """
    if not lm_prompt or not lm_prompt.strip():
        raise ValueError('caption pairs need a non-empty lm_prompt')
    qa = [text_record(f'{video_id}#{i}', c, c, 'caption', lm_prompt)
          for i, c in enumerate(captions)]
    return {'video_id': video_id, path_key: path, 'qa': qa}


def require_file(path: str, what: str) -> None:
    """Raise a FileNotFoundError naming the file and the data doc."""
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f'{what} {path} not found; see {DATA_DOC} for the expected '
            'layout, or set the data folder in the config (--cfg-options '
            'data_root=/path/to/data; the paper pre-training configs have '
            'one per source: webvid_root, cc3m_root, tgif_root).')


def clean_caption(text: Optional[str]) -> str:
    """Collapse whitespace; empty captions become ''."""
    return ' '.join((text or '').split())
