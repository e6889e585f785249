"""Questions cut at max_question_len or holding [UNK] tokens are reported
once per run, with counts, by the model that tokenises them."""
import copy

import pytest
import torch

from mcg.registry import MODELS
from mcg.structures import VideoQADataSample


def predict(model, questions):
    video = torch.zeros((1, 8, 3, 64, 64), dtype=torch.uint8)
    samples = [VideoQADataSample(metainfo=dict(
        question=q, question_id=str(i), video_index=0))
        for i, q in enumerate(questions)]
    data = model.data_preprocessor(dict(inputs=video, data_samples=samples),
                                   False)
    with torch.no_grad():
        return model(**data, mode='predict')


def test_truncation_and_unknown_characters_warn_once(micro_cfg, log_lines):
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(micro_cfg.model)).eval()
    limit = micro_cfg.model.max_question_len  # 24 in the demo config
    long_question = ' '.join(['what color is the circle'] * 10)
    batch = [long_question, 'what shape is the \u2603 object',
             'what color is the square']
    predict(model, batch)
    warnings = [m for m in log_lines if 'truncated' in m]
    assert warnings == [m for m in warnings if m.startswith(
        f'1 of 3 questions truncated to {limit} tokens; 1 tokens mapped to '
        '[UNK]')]
    assert len(warnings) == 1
    # Counting goes on without another warning.
    predict(model, [long_question, long_question])
    assert len([m for m in log_lines if 'truncated' in m]) == 1
    audit = model.question_audit
    assert (audit.questions, audit.truncated, audit.unk_tokens) == (5, 3, 1)
    assert audit.summary(limit) == (
        f'3 of 5 questions truncated to {limit} tokens; 1 tokens mapped to '
        '[UNK]')


def test_clean_questions_do_not_warn(micro_cfg, log_lines):
    model = MODELS.build(copy.deepcopy(micro_cfg.model)).eval()
    predict(model, ['what color is the square', 'how many circles'])
    assert not [m for m in log_lines if 'truncated' in m]
    assert model.question_audit.questions == 2
