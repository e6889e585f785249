"""--cfg-options on config variables (data_root, max_epochs, ...) and on
keys the config does not have: they take effect or are refused, never
silently ignored."""
import glob
import re
import os.path as osp

import pytest
from mmengine.config import Config

from mcg.utils import ConfigOverrideError, load_config, merge_overrides
from mcg.utils.config_overrides import consumed_variables
from tests.conftest import DEMO_CONFIG, REPO

PRETRAIN_CONFIG = osp.join(REPO,
                           'configs/shapesqa/mcg_tiny_shapesqa_pretrain.py')


def test_data_root_reaches_every_place_the_config_uses_it():
    cfg = load_config(DEMO_CONFIG, {'data_root': '/x'})
    for loader in ('train', 'val', 'test'):
        assert cfg[f'{loader}_dataloader'].dataset.data_root == '/x'
    assert cfg.model.head.output_vocab == '/x/train_a.json'
    # The config keeps its own name (MMEngine names the dumped copy after it).
    assert cfg.filename == DEMO_CONFIG


def test_max_epochs_reaches_the_loop_the_schedule_and_the_checkpoints():
    cfg = load_config(DEMO_CONFIG, {'max_epochs': 2})
    assert cfg.train_cfg.max_epochs == 2 and cfg.train_cfg.val_interval == 2
    assert cfg.default_hooks.checkpoint.interval == 2
    assert cfg.param_scheduler[1].end == 2
    assert cfg.param_scheduler[1].begin < 2  # still a valid schedule


def test_tuple_assigned_and_nested_variables():
    # docs/pretraining.md: theta_2 = 0 switches TCL off (tuple assignment).
    cfg = load_config(PRETRAIN_CONFIG, {'theta_2': 0})
    assert cfg.model.losses.tcl.weight == 0
    assert cfg.model.losses.icl.weight == 1.0
    cfg = load_config(DEMO_CONFIG, {'num_frames': 4,
                                    'train_pipeline.3.scale': 32})
    sampler = cfg.train_dataloader.dataset.pipeline[1]
    assert sampler.type == 'HeadTailFrameSampler' and sampler.num_frames == 4
    assert cfg.test_dataloader.dataset.pipeline[1].num_frames == 4
    assert cfg.model.video_encoder.num_frames == 4  # its time embedding
    assert cfg.train_dataloader.dataset.pipeline[3].scale == 32
    # Ordinary keys still merge, and together with variables.
    cfg = load_config(DEMO_CONFIG, {'data_root': '/x',
                                    'train_dataloader.batch_size': 2})
    assert cfg.train_dataloader.batch_size == 2
    assert cfg.train_dataloader.dataset.data_root == '/x'


def test_unknown_top_level_key_is_refused_with_the_keys_that_work():
    with pytest.raises(ConfigOverrideError) as err:
        load_config(DEMO_CONFIG, {'max_epoch': 2})
    assert 'Did you mean: max_epochs' in str(err.value)
    assert 'data_root' in str(err.value)
    with pytest.raises(ConfigOverrideError, match='modle'):
        load_config(DEMO_CONFIG, {'modle.head.num_beams': 3})
    # Keys the Runner reads although the config does not set them.
    assert load_config(DEMO_CONFIG, {'experiment_name': 'e'}
                       ).experiment_name == 'e'
    # ... and mcg's launch code (mcg.engine.precision).
    assert load_config(DEMO_CONFIG, {'gpu_precision': 'bf16'}
                       ).gpu_precision == 'bf16'


def test_a_loaded_config_refuses_variables_it_cannot_re_evaluate():
    cfg = Config.fromfile(DEMO_CONFIG)
    with pytest.raises(ConfigOverrideError, match='data_root'):
        merge_overrides(cfg, {'data_root': '/x'})
    merge_overrides(cfg, {'model.head.num_beams': 3})
    assert cfg.model.head.num_beams == 3


@pytest.mark.slow
def test_re_evaluation_with_the_same_values_changes_nothing():
    """Every shipped config, every variable it reads, set to its own value:
    the rewritten copies evaluate to exactly the original config."""
    configs = [p for p in glob.glob(osp.join(REPO, 'configs/**/*.py'),
                                    recursive=True) if '/_base_/' not in p]
    assert len(configs) > 20
    for path in configs:
        plain = Config.fromfile(path)
        same = {k: plain[k] for k in consumed_variables(path) if k in plain}
        assert load_config(path, same).to_dict() == plain.to_dict(), path


#: Where overrides are documented or advised: docs, tool help and
#: docstrings, config comments, error messages.
_DOCUMENTED_IN = ('README.md', 'docs/**/*.md', 'tools/**/*.py',
                  'configs/**/*.py', 'mcg/**/*.py')
_SNIPPET = re.compile(r'--cfg-options(?:(?:\s|\\\n)+[A-Za-z_][\w.]*=\S+)+')
#: Configs a documented override is tried on (it must work on one of them).
_TRY_ON = (DEMO_CONFIG, PRETRAIN_CONFIG,
           osp.join(REPO, 'configs/mcg/mcg_anetqa_8f.py'))


def documented_overrides():
    """``(file, key)`` of every ``--cfg-options key=value`` in the repo."""
    found = set()
    for pattern in _DOCUMENTED_IN:
        for path in glob.glob(osp.join(REPO, pattern), recursive=True):
            with open(path, encoding='utf-8') as f:
                text = f.read()
            for snippet in _SNIPPET.findall(text):
                for key in re.findall(r'(?:^|\s)([A-Za-z_][\w.]*)=',
                                      snippet[len('--cfg-options'):]):
                    found.add((osp.relpath(path, REPO), key))
    return sorted(found)


def _reaches_a_component(cfg, key: str) -> bool:
    """Whether ``key`` names an existing config entry or an argument of the
    component that holds it (so the Runner passes it on)."""
    from mcg.engine.config_errors import accepted_keys
    node = cfg._cfg_dict.to_dict()
    *parents, leaf = key.split('.')
    for part in parents:
        if isinstance(node, list) and part.isdigit() and int(part) < len(
                node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    if isinstance(node, list):
        return leaf.isdigit() and int(leaf) < len(node)
    if not isinstance(node, dict):
        return False
    return leaf in node or (isinstance(node.get('type'), str) and
                            leaf in accepted_keys(node['type']))


def test_the_documented_overrides_are_found():
    keys = {key for _, key in documented_overrides()}
    # One of each kind: a variable, a hook, a loss weight, a list index, and
    # the data_root advice of the missing-file errors.
    assert {'theta_2', 'default_hooks.finite_loss', 'model.losses.lm.weight',
            'param_scheduler.1.end', 'data_root'} <= keys, sorted(keys)


@pytest.mark.parametrize('where,key', documented_overrides())
def test_every_documented_override_takes_effect(where, key):
    from mcg import register_all_modules
    register_all_modules(init_default_scope=False)
    # An override documented in a config file must work on that config.
    candidates = ([osp.join(REPO, where)] if where.startswith('configs/')
                  else _TRY_ON)
    for path in candidates:
        if key.split('.')[0] in consumed_variables(path):
            return  # re-evaluated by load_config (tested above)
        if _reaches_a_component(Config.fromfile(path), key):
            return
    pytest.fail(f'{where} documents --cfg-options {key}=..., which does not '
                'reach anything in the shipped configs')


@pytest.mark.parametrize('key', ['model.text_encoder.pretrained',
                                 'model.tokenizer.name_or_path'])
def test_the_missing_weights_advice_works(key, shapesqa_tiny, tmp_path):
    """The MissingPretrainedError message's --cfg-options, as written."""
    from mcg import register_all_modules
    from mcg.registry import MODELS
    from mcg.utils import MissingPretrainedError, resolve_pretrained
    from tests.conftest import micro_model_options
    register_all_modules(init_default_scope=False)
    options = dict(micro_model_options(shapesqa_tiny))
    cfg = load_config(DEMO_CONFIG,
                      dict(options, **{key: str(tmp_path / 'nowhere')}))
    with pytest.raises(MissingPretrainedError) as err:
        MODELS.build(cfg.model)
    advice = str(err.value).split('--cfg-options ')[1].split(
        'Underlying error')[0]
    advised = re.findall(r'([\w.]+)=(\S+?)[\s.]', advice)
    assert advised and all(k == key for k, _ in advised), advice
    local_copy = resolve_pretrained(Config.fromfile(DEMO_CONFIG).vocab)
    for _, value in advised:
        value = local_copy if value == '/path/to/local/copy' else value
        if key.endswith('.pretrained') and value == local_copy:
            continue  # a BERT checkpoint of another width; None is tested
        cfg = load_config(DEMO_CONFIG, dict(options, **{key: value}))
        MODELS.build(cfg.model)


def test_the_missing_data_advice_works_for_every_shipped_config():
    """Missing-file errors advise --cfg-options data_root=... (and, for the
    paper pre-training configs, one root per source): every training config
    has those variables, and they reach every dataset."""
    per_source = ('webvid_root', 'cc3m_root', 'tgif_root')
    configs = [p for p in glob.glob(osp.join(REPO, 'configs/**/*.py'),
                                    recursive=True) if '/_base_/' not in p]
    for path in configs:
        consumed = consumed_variables(path)
        keys = per_source if 'webvid' in path else ('data_root', )
        assert set(keys) <= consumed, (path, sorted(consumed))
        cfg = load_config(path, {k: f'/x/{k}' for k in keys})
        roots = [node['data_root'] for where, node in
                 _dataset_nodes(cfg._cfg_dict.to_dict())]
        assert roots and all(r.startswith('/x/') for r in roots), (path,
                                                                  roots)


def _dataset_nodes(node, where=''):
    """``(path, dict)`` of every config dict that sets ``data_root``."""
    if isinstance(node, dict):
        if 'data_root' in node and 'type' in node:
            yield where, node
        for key, value in node.items():
            yield from _dataset_nodes(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _dataset_nodes(value, f'{where}.{i}')
