"""Role base classes: declared by their packages, found by the builders."""
import pytest
from mmengine.model import BaseModule
from mmengine.registry import Registry

from mcg.datasets.transforms.sampling import BaseFrameSampler
from mcg.encoders import BaseTextEncoder, BaseVideoEncoder
from mcg.fusors import BaseFusor
from mcg.heads import BaseAnswerHead
from mcg.losses import BaseMCGLoss
from mcg.registry import (MODELS, TRANSFORMS, build_head, declare_role,
                          role_base)


def test_every_builder_role_has_its_package_base_class():
    assert role_base('video encoder', MODELS) is BaseVideoEncoder
    assert role_base('text encoder', MODELS) is BaseTextEncoder
    assert role_base('fusor', MODELS) is BaseFusor
    assert role_base('answer head', MODELS) is BaseAnswerHead
    assert role_base('loss', MODELS) is BaseMCGLoss
    assert role_base('frame sampler', TRANSFORMS) is BaseFrameSampler


def test_a_second_class_cannot_take_a_declared_role():
    with pytest.raises(ValueError, match='answer head role is declared by '
                       'mcg.heads.base.BaseAnswerHead'):
        @declare_role('answer head')
        class OtherHead(BaseModule):
            pass


def test_an_undeclared_role_is_named():
    with pytest.raises(LookupError, match="'critic' role"):
        role_base('critic', Registry('empty', scope='mcg_test_roles'))


def test_wrong_role_message_names_the_package_base_class():
    with pytest.raises(TypeError, match=r"a answer head must subclass "
                       r'mcg\.heads\.base\.BaseAnswerHead'):
        build_head(dict(type='LanguageModelingLoss'))
