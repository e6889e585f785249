"""Plugins: entry points, custom_imports, and broken-plugin isolation."""
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import (DEMO_CONFIG, REPO, micro_model_options,
                            options_to_argv, run_tool)

PLUGINS = osp.join(REPO, 'tests', 'plugins')


@pytest.fixture(scope='module')
def plugin_site(tmp_path_factory):
    """Install the example and the broken plugin into a private folder."""
    target = str(tmp_path_factory.mktemp('site'))
    for name in ('mcg_example_plugin', 'mcg_broken_plugin'):
        subprocess.run(
            [sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
             '--no-build-isolation', '--target', target,
             osp.join(PLUGINS, name)], check=True, capture_output=True)
    return target


def run_python(code, extra_path, env=None):
    full = dict(os.environ)
    full['PYTHONPATH'] = os.pathsep.join([extra_path, REPO])
    full.update(env or {})
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          env=full, capture_output=True, text=True,
                          timeout=300)


def test_entry_point_plugin_builds_and_broken_one_is_skipped(plugin_site):
    res = run_python('''
        import warnings
        warnings.simplefilter('always')
        from mmengine.registry import init_default_scope
        from mcg.registry import MODELS, failed_plugins
        init_default_scope('mcg')
        # A core component still builds although one plugin is broken.
        MODELS.build(dict(type='TimeSformerEncoder', img_size=32,
                          embed_dims=32, depth=1, num_heads=2))
        enc = MODELS.build(dict(type='FramePoolVideoEncoder', embed_dims=8))
        print('BUILT', type(enc).__module__)
        print('FAILED', sorted(failed_plugins()))
    ''', plugin_site)
    assert res.returncode == 0, res.stderr
    assert 'BUILT mcg_example_plugin' in res.stdout
    assert "FAILED ['broken']" in res.stdout
    assert "mcg plugin 'broken'" in res.stderr


def test_disable_switch(plugin_site):
    res = run_python('''
        from mcg.registry import MODELS
        print('FOUND', MODELS.get('FramePoolVideoEncoder') is not None)
    ''', plugin_site, env={'MCG_DISABLE_PLUGINS': '1'})
    assert 'FOUND False' in res.stdout, res.stderr


def test_train_one_step_with_plugin_encoder(plugin_site, shapesqa_tiny,
                                            tmp_path):
    cfg = tmp_path / 'plugin_cfg.py'
    cfg.write_text(textwrap.dedent(f'''
        _base_ = [{DEMO_CONFIG!r}]
        model = dict(video_encoder=dict(_delete_=True,
                                        type='FramePoolVideoEncoder',
                                        embed_dims=32))
    '''))
    opts = micro_model_options(shapesqa_tiny)
    for key in ('embed_dims', 'depth', 'num_heads'):
        opts.pop(f'model.video_encoder.{key}')
    opts.update({'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 5,
                 'train_dataloader.dataset.indices': 1})
    res = run_tool(['tools/train.py', str(cfg), '--work-dir',
                    str(tmp_path / 'wd')] + options_to_argv(opts),
                   env={'PYTHONPATH': plugin_site + os.pathsep + REPO})
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'Epoch(train) [1][1/1]' in res.stdout + res.stderr
    # One log line names the plugins, at the registry's first use.
    assert ('mcg plugins: entry points (mcg.plugins): example '
            '(mcg_example_plugin); failed to import: broken;') in (
                res.stdout + res.stderr)
    import torch
    ckpt = torch.load(tmp_path / 'wd' / 'epoch_1.pth', weights_only=True)
    # The plugin's parameters were trained and saved with the model.
    assert 'video_encoder.proj.weight' in ckpt['state_dict']


def test_custom_imports_plugin(shapesqa_tiny, tmp_path):
    pkg = tmp_path / 'my_local_encoders.py'
    pkg.write_text(textwrap.dedent('''
        import torch
        from mcg.encoders import BaseVideoEncoder
        from mcg.registry import MODELS

        @MODELS.register_module()
        class LocalMeanVideoEncoder(BaseVideoEncoder):
            def __init__(self, embed_dims=32, init_cfg=None):
                super().__init__(init_cfg=init_cfg)
                self.embed_dims = embed_dims
                self.proj = torch.nn.Linear(3, embed_dims)

            def forward(self, video):
                pooled = video.mean(dim=(3, 4))          # (B, T, C)
                return self.proj(pooled)                 # T tokens
    '''))
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(textwrap.dedent(f'''
        _base_ = [{DEMO_CONFIG!r}]
        custom_imports = dict(imports=['my_local_encoders'],
                              allow_failed_imports=False)
        model = dict(video_encoder=dict(_delete_=True,
                                        type='LocalMeanVideoEncoder',
                                        embed_dims=32))
    '''))
    opts = micro_model_options(shapesqa_tiny)
    opts.pop('model.video_encoder.embed_dims')
    opts.pop('model.video_encoder.depth')
    opts.pop('model.video_encoder.num_heads')
    opts.update({'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 5,
                 'train_dataloader.dataset.indices': 1})
    res = run_tool(['tools/train.py', str(cfg), '--work-dir',
                    str(tmp_path / 'wd')] + options_to_argv(opts),
                   env={'PYTHONPATH': str(tmp_path) + os.pathsep + REPO})
    assert res.returncode == 0, res.stderr[-3000:]
    assert ('custom_imports/other modules: my_local_encoders '
            '(LocalMeanVideoEncoder)') in res.stdout + res.stderr
    import torch
    ckpt = torch.load(tmp_path / 'wd' / 'epoch_1.pth', weights_only=False)
    assert tuple(ckpt['state_dict']['video_encoder.proj.weight'].shape) == (
        32, 3)
