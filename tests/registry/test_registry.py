"""Registries: scope, lazy locations, typed builders and error messages."""
import importlib

import pytest
import torch
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import DefaultScope, init_default_scope

from mcg.registry import (ALL_REGISTRIES, MODELS, TRANSFORMS,
                          build_frame_sampler, build_loss,
                          build_video_encoder)

ENCODER = dict(type='TimeSformerEncoder', img_size=32, patch_size=16,
               num_frames=2, embed_dims=32, depth=1, num_heads=2)


def test_every_location_imports():
    for name, registry in ALL_REGISTRIES.items():
        for location in registry._locations:
            importlib.import_module(location)
        assert registry.scope == 'mcg', name


def test_build_with_and_without_default_scope():
    # Without a default scope, through mcg's own registry.
    enc = MODELS.build(ENCODER)
    assert type(enc).__name__ == 'TimeSformerEncoder'
    # Through MMEngine's root registry once the default scope is mcg, the
    # way the Runner builds everything.
    scope_name = 'test_mcg_scope'
    with DefaultScope.overwrite_default_scope('mcg'):
        enc2 = MMENGINE_MODELS.build(ENCODER)
    assert type(enc2) is type(enc)
    del scope_name


def test_init_default_scope_and_scoped_type():
    init_default_scope('mcg')
    assert DefaultScope.get_current_instance().scope_name == 'mcg'
    sampler = TRANSFORMS.build(dict(type='mcg.HeadTailFrameSampler',
                                    num_frames=4))
    assert sampler.num_frames == 4


def test_role_mismatch_fails_at_build_with_clear_message():
    with pytest.raises(TypeError, match='configured as the video encoder.*'
                       'does not derive from BaseVideoEncoder'):
        build_video_encoder(dict(type='LanguageModelingLoss'))
    with pytest.raises(TypeError, match='does not derive from BaseMCGLoss'):
        build_loss(ENCODER)
    with pytest.raises(TypeError, match='frame sampler'):
        build_frame_sampler(dict(type='DecordDecode'))


def test_unknown_type_suggests_close_names():
    with pytest.raises(KeyError) as err:
        build_video_encoder(dict(ENCODER, type='TimesformerEncodr'))
    msg = str(err.value)
    assert 'TimeSformerEncoder' in msg and '"model" registry' in msg


def test_missing_required_argument_names_component():
    with pytest.raises(TypeError, match="video encoder 'OfflineMissing'|"
                       "Cannot build"):
        build_with_missing_args()


def build_with_missing_args():
    from mcg.registry import build_fusor
    # CrossAttentionFusor has defaults; a bad keyword is the user error here.
    return build_fusor(dict(type='CrossAttentionFusor', widht=3))


def test_built_encoder_runs():
    enc = build_video_encoder(ENCODER)
    out = enc(torch.randn(2, 2, 3, 32, 32))
    assert out.shape == (2, 1 + 2 * 4, 32)
