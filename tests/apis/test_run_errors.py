"""mcg.apis.run_errors: one exit code and message per kind of stop."""
import pickle

import pytest
from mmengine.config import Config

from mcg.apis.run_errors import (EXIT_TRAINING_STOPPED, EXIT_USER_ERROR,
                                 exit_with_report, run_error_report)
from mcg.engine.loss_guard import NonFiniteLossError
from mcg.registry import MODELS
from tests.conftest import DEMO_CONFIG


def test_user_errors_and_training_stops():
    missing = FileNotFoundError('data/x/train_q.json not found')
    assert run_error_report(missing, None, 'cfg.py', 'train') == (
        EXIT_USER_ERROR, 'cannot train cfg.py:\n  data/x/train_q.json '
        'not found')
    stop = NonFiniteLossError('loss_lm is nan at step 3')
    code, message = run_error_report(stop, None, 'cfg.py', 'train')
    assert code == EXIT_TRAINING_STOPPED == 3
    assert message.startswith('training stopped:') and 'nan' in message


def test_extra_user_errors_only_where_given():
    bad = pickle.UnpicklingError('truncated')
    assert run_error_report(bad, None, 'cfg.py', 'train') is None
    assert run_error_report(bad, None, 'cfg.py', 'test',
                            also_user_errors=(pickle.UnpicklingError,)) == (
        EXIT_USER_ERROR, 'cannot test cfg.py:\n  truncated')


def test_misspelt_type_names_its_config_key():
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.model.fusor.type = 'CrossAtentionFusor'
    try:
        MODELS.build(cfg.model)
    except (KeyError, TypeError) as exc:
        report = run_error_report(exc, cfg, 'demo.py', 'train')
    else:
        raise AssertionError('a misspelt type must not build')
    assert report is not None and report[0] == EXIT_USER_ERROR
    assert report[1].startswith('bad config demo.py:')
    assert 'model.fusor.type' in report[1]


def test_other_errors_are_bugs():
    assert run_error_report(RuntimeError('shape mismatch'), None, 'cfg.py',
                            'train') is None
    assert run_error_report(KeyError('x'), Config({}), 'cfg.py',
                            'train') is None


def test_exit_with_report_prints_or_reraises(capsys):
    code = exit_with_report(FileNotFoundError('no data'), None, 'cfg.py',
                            'train')
    assert code == EXIT_USER_ERROR
    assert capsys.readouterr().err == '\nmcg: cannot train cfg.py:\n  no data\n\n'
    bug = RuntimeError('shape mismatch')
    with pytest.raises(RuntimeError) as raised:
        exit_with_report(bug, None, 'cfg.py', 'train')
    assert raised.value is bug
