"""CLEVRER's two overalls through the shipped config: Table X's mean of the
four type accuracies (the default) and run_mc.py's pooled multiple choice."""
import os

import pytest
from mmengine.config import Config

from tests.conftest import REPO
from tests.datasets.benchmark_fixtures import make_clevrer
from tests.datasets.benchmark_helpers import answer_from, build, run_metric

# make_clevrer: descriptive 1 of 2 right; explanatory (3 options) right;
# predictive (2 options) wrong, 1 of its options right; counterfactual
# (4 options) right.
LABELS = {'10000_2_0': 1, '10000_2_1': 0, '10000_2_2': 1,
          '10000_3_0': 1, '10000_3_1': 1,
          '10001_0_0': 1, '10001_0_1': 0, '10001_0_2': 0, '10001_0_3': 1}
ANSWERS = {'10000_0': 'cube', '10000_1': '3'}


def predict(sample):
    answer_from(LABELS, 'pred_label')(sample)
    answer_from(ANSWERS, 'pred_answer')(sample)


@pytest.fixture(scope='module')
def items(tmp_path_factory):
    root = make_clevrer(str(tmp_path_factory.mktemp('clevrer')))
    cfg = Config.fromfile(os.path.join(REPO, 'configs', 'mcg',
                                       'mcg_clevrer_8f.py'))
    dataset = build(dict(cfg.test_dataloader.dataset, data_root=root))
    return cfg, [dataset[i] for i in range(len(dataset))]


def test_default_overall_is_table_x_type_mean(items, log_lines):
    cfg, data = items
    result = run_metric(cfg.test_evaluator, data, predict)
    type_mean = (50 + 100 + 0 + 100) / 4
    assert result['clevrer/Overall'] == pytest.approx(type_mean)
    assert result['clevrer/Overall/type_mean'] == pytest.approx(type_mean)
    # run_mc.py: 2 of the 3 multiple-choice questions, 8 of 9 options.
    assert result['clevrer/MC_pooled'] == pytest.approx(200 / 3)
    assert result['clevrer/MC_pooled/per_option'] == pytest.approx(800 / 9)
    table = '\n'.join(log_lines)
    assert 'Overall (type mean)' in table and 'MC pooled' in table
    assert "Table X" in table and 'run_mc.py' in table


def test_pooled_overall_on_request(items):
    cfg, data = items
    result = run_metric(dict(cfg.test_evaluator, overall='mc_pooled'), data,
                        predict)
    assert result['clevrer/Overall'] == pytest.approx(200 / 3)
    assert result['clevrer/Overall/type_mean'] == pytest.approx(62.5)
    with pytest.raises(ValueError, match='overall must be one of'):
        run_metric(dict(cfg.test_evaluator, overall='mean'), data, predict)
