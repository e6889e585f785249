"""Typed builders: build from config, then check the component's role.

A config that puts, say, a loss where an encoder belongs builds fine through
a bare ``MODELS.build`` and fails much later with a shape error. These
builders fail at build time instead, naming the role, the registered type and
the base class it should derive from (each role's base class is declared by
its package, see :mod:`mcg.registry.roles`). Unknown type names get a list of
the closest registered names.
"""
from __future__ import annotations

import difflib
from typing import Any, Iterable, List, Optional, Type

from mmengine.registry import Registry

from .registry import MODELS, TRANSFORMS
from .roles import role_base


def registered_names(registry: Registry) -> List[str]:
    """All names visible from ``registry`` (itself, its parents' and children's).

    Args:
        registry: The registry to list.

    Returns:
        Sorted list of registered names.
    """
    registry.import_from_location()
    names = set(registry.module_dict)
    node = registry
    while node.parent is not None:
        node = node.parent
        names.update(node.module_dict)
    return sorted(names)


def suggest(name: str, candidates: Iterable[str], n: int = 3) -> List[str]:
    """Return up to ``n`` candidates closest to ``name`` (case-insensitive)."""
    lowered = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=n,
                                      cutoff=0.5)
    return [lowered[c] for c in close]


def build_with_role(cfg: Any, base: Optional[Type], role: str,
                    registry: Registry = MODELS, **default_args) -> Any:
    """Build ``cfg`` from ``registry`` and check it is an instance of ``base``.

    Args:
        cfg: Config dict with a ``type`` key, or an already built object
            (returned as is after the role check).
        base: Required base class, or None to skip the role check.
        role: Human-readable role used in error messages ("video encoder").
        registry: Registry to build from.
        **default_args: Passed to the registry's build function.

    Returns:
        The built component.

    Raises:
        KeyError: The type is not registered; the message lists close names.
        TypeError: The built object does not derive from ``base``, or a
            required argument of the component is missing.
    """
    if isinstance(cfg, dict) or hasattr(cfg, 'keys'):
        if 'type' not in cfg:
            raise KeyError(f'The {role} config has no "type" key: {dict(cfg)}')
        type_name = cfg['type']
        try:
            obj = registry.build(cfg, default_args=default_args or None)
        except KeyError as exc:
            if isinstance(type_name, str) and f'{type_name} is not in' in str(
                    exc):
                hints = suggest(type_name.split('.')[-1],
                                registered_names(registry))
                hint = f' Did you mean: {", ".join(hints)}?' if hints else ''
                raise KeyError(
                    f'Unknown {role} type {type_name!r}: it is not registered '
                    f'in the mcg "{registry.name}" registry.{hint} If it comes '
                    'from a plugin, check that the plugin is installed '
                    '(entry point "mcg.plugins") or listed in the config\'s '
                    'custom_imports.') from exc
            raise
        except TypeError as exc:
            raise TypeError(f'Cannot build {role} {type_name!r}: {exc}') from exc
    else:
        obj, type_name = cfg, type(cfg).__name__
    if base is not None and not isinstance(obj, base):
        raise TypeError(
            f'{type_name!r} was configured as the {role}, but '
            f'{type(obj).__name__} does not derive from {base.__name__}; '
            f'a {role} must subclass {base.__module__}.{base.__name__}.')
    return obj


def build_video_encoder(cfg: Any):
    """Build a :class:`~mcg.encoders.BaseVideoEncoder` from config."""
    return build_with_role(cfg, role_base('video encoder', MODELS),
                           'video encoder')


def build_text_encoder(cfg: Any):
    """Build a :class:`~mcg.encoders.BaseTextEncoder` from config."""
    return build_with_role(cfg, role_base('text encoder', MODELS),
                           'text encoder')


def build_fusor(cfg: Any):
    """Build a :class:`~mcg.fusors.BaseFusor` from config."""
    return build_with_role(cfg, role_base('fusor', MODELS), 'fusor')


def build_head(cfg: Any):
    """Build a :class:`~mcg.heads.BaseAnswerHead` from config."""
    return build_with_role(cfg, role_base('answer head', MODELS),
                           'answer head')


def build_loss(cfg: Any):
    """Build a :class:`~mcg.losses.BaseMCGLoss` from config."""
    return build_with_role(cfg, role_base('loss', MODELS), 'loss')


def build_frame_sampler(cfg: Any):
    """Build a :class:`~mcg.datasets.transforms.BaseFrameSampler`."""
    return build_with_role(cfg, role_base('frame sampler', TRANSFORMS),
                           'frame sampler', TRANSFORMS)
