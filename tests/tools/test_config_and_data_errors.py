"""tools/train.py reports bad configs, annotations and losses readably."""
import json
import shutil

import pytest

from tests.conftest import (DEMO_CONFIG, micro_model_options, options_to_argv,
                            run_tool)


def _train(data_root, work_dir, config=DEMO_CONFIG, **overrides):
    opts = micro_model_options(data_root)
    opts.update(overrides)
    return run_tool(['tools/train.py', config, '--work-dir', str(work_dir)] +
                    options_to_argv(opts), timeout=300)


def _fails_cleanly(res, code=2):
    assert res.returncode == code, res.stderr[-3000:]
    assert 'Traceback' not in res.stderr
    return ' '.join(res.stderr.split())


@pytest.mark.parametrize('key,typo,registry,expected', [
    ('train_dataloader.dataset.type', 'ActivityNetQADatset', 'dataset',
     'ActivityNetQADataset'),
    ('train_dataloader.dataset.pipeline.0.type', 'DecordInt', 'transform',
     'DecordInit'),
    ('val_evaluator.type', 'ActivityNetQAMetrc', 'metric',
     'ActivityNetQAMetric'),
])
def test_unknown_type_names_key_registry_and_close_names(
        shapesqa_tiny, tmp_path, key, typo, registry, expected):
    err = _fails_cleanly(_train(shapesqa_tiny, tmp_path, **{key: typo}))
    assert f"unknown {registry} type '{typo}' (config key {key})" in err
    assert f'mcg "{registry}" registry' in err
    assert f'Did you mean: {expected}' in err


def test_unknown_model_part_names_key_and_close_names(shapesqa_tiny,
                                                      tmp_path):
    err = _fails_cleanly(_train(shapesqa_tiny, tmp_path, **{
        'model.fusor.type': 'CrossAttentionFuser'}))
    assert "Unknown fusor type 'CrossAttentionFuser'" in err
    assert 'Did you mean: CrossAttentionFusor' in err
    assert 'Config key: model.fusor.type' in err


def test_misspelt_and_missing_keys_name_the_component(shapesqa_tiny,
                                                      tmp_path):
    err = _fails_cleanly(_train(shapesqa_tiny, tmp_path, **{
        'train_dataloader.dataset.pipelin': '[]'}))
    assert ("ActivityNetQADataset (config key train_dataloader.dataset."
            "pipelin) does not take the config key 'pipelin'. Did you mean: "
            'pipeline') in err

    config = tmp_path / 'no_root.py'
    config.write_text(
        f'_base_ = {DEMO_CONFIG!r}\n'
        'train_dataloader = dict(dataset=dict(_delete_=True, '
        "type='ActivityNetQADataset', split='train'))\n")
    opts = micro_model_options(shapesqa_tiny)
    del opts['train_dataloader.dataset.data_root']
    res = run_tool(['tools/train.py', str(config), '--work-dir',
                    str(tmp_path / 'w')] + options_to_argv(opts))
    err = _fails_cleanly(res)
    assert ("ActivityNetQADataset (config key train_dataloader.dataset) "
            "needs the config key(s) 'data_root'") in err


def test_bad_annotation_names_file_record_and_field(shapesqa_tiny, tmp_path):
    root = tmp_path / 'data'
    shutil.copytree(shapesqa_tiny, root)
    questions = json.loads((root / 'train_q.json').read_text())
    del questions[4]['question']
    (root / 'train_q.json').write_text(json.dumps(questions))
    err = _fails_cleanly(_train(str(root), tmp_path / 'w1'))
    assert f"{root / 'train_q.json'}: record 4: missing field 'question'" \
        in err

    shutil.copy(f'{shapesqa_tiny}/train_q.json', root / 'train_q.json')
    answers = json.loads((root / 'train_a.json').read_text())
    answers[7]['type'] = 'Motion'
    (root / 'train_a.json').write_text(json.dumps(answers))
    err = _fails_cleanly(_train(str(root), tmp_path / 'w2'))
    assert (f"{root / 'train_a.json'}: record 7: field 'type' should be "
            "int, got str ('Motion')") in err


def test_nan_loss_stops_with_the_batch_question_ids(shapesqa_tiny,
                                                    tmp_path):
    res = _train(shapesqa_tiny, tmp_path, **{
        'model.losses.lm.weight': 'nan', 'train_dataloader.batch_size': 1,
        'train_dataloader.sampler.shuffle': False})
    err = _fails_cleanly(res, code=3)
    assert 'non-finite loss at epoch 1, iteration 1 (batch 1)' in err
    assert 'loss_lm=nan' in err
    first_video = json.load(open(f'{shapesqa_tiny}/train_q.json'))[0]
    assert f"question ids: v_{first_video['video_name']}_" in err
    assert 'the last checkpoint is none yet' in err
