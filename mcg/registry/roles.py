"""Role base classes as the typed builders see them.

Each component package defines the base class of its role (video and text
encoders, fusors, answer heads, losses, frame samplers) and declares it here
with :func:`declare_role`. The builders (:mod:`mcg.registry.builders`) look
the class up by role name when they check a built component, so the registry
imports none of those packages, all of which import the registry.
"""
from __future__ import annotations

from typing import Callable, Dict, Type, TypeVar

from mmengine.registry import Registry

T = TypeVar('T', bound=type)

_BASES: Dict[str, type] = {}


def declare_role(role: str) -> Callable[[T], T]:
    """Class decorator: ``cls`` is the base class of components of ``role``.

    Args:
        role: Human-readable role, as the builders name it in their errors
            (``'video encoder'``).

    Returns:
        The decorator; it returns the class unchanged.

    Raises:
        ValueError: Another class already declared the role.
    """
    def declare(cls: T) -> T:
        known = _BASES.get(role)
        if known is not None and (known.__module__, known.__qualname__) != (
                cls.__module__, cls.__qualname__):
            raise ValueError(
                f'the {role} role is declared by {known.__module__}.'
                f'{known.__qualname__} already; {cls.__module__}.'
                f'{cls.__qualname__} cannot declare it too')
        _BASES[role] = cls
        return cls
    return declare


def role_base(role: str, registry: Registry) -> type:
    """The base class declared for ``role``.

    Args:
        role: A role given to :func:`declare_role`.
        registry: The registry components of the role are built from; its
            lazy ``locations`` are imported first if the role is not declared
            yet (they hold the packages that declare the roles).

    Returns:
        The base class.

    Raises:
        LookupError: No class declares the role.
    """
    if role not in _BASES:
        registry.import_from_location()
    try:
        return _BASES[role]
    except KeyError:
        raise LookupError(
            f'no base class declares the {role!r} role (declared: '
            f'{sorted(_BASES)}); the modules of the {registry.name!r} '
            "registry's locations should declare it with "
            'mcg.registry.roles.declare_role') from None
