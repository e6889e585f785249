"""Readable messages for configuration mistakes caught while building.

The Runner builds datasets, transforms, samplers, metrics, hooks and
optimizers itself, and MMEngine reports a typo as ``X is not in the
mcg::dataset registry`` or a missing argument as a bare ``__init__() missing
1 required positional argument``. :func:`explain_build_error` turns those
into one message that names the config key holding the component, the
registry, and the closest registered names (or argument names).
"""
from __future__ import annotations

import inspect
import re
from typing import Any, Iterator, List, Optional, Tuple

from mcg.registry import ALL_REGISTRIES
from mcg.registry.builders import registered_names, suggest

_NOT_REGISTERED = re.compile(
    r"(?P<type>[\w.]+) is not in the (?:(?P<scope>[\w.]+)::)?"
    r"(?P<registry>[\w ]+) registry")
_MISSING_ARGS = re.compile(
    r"(?P<cls>\w+)\.__init__\(\) missing \d+ required (?:positional |"
    r"keyword-only )?arguments?: (?P<args>.+)")
_UNEXPECTED_ARG = re.compile(
    r"(?P<cls>\w+)\.__init__\(\) got an unexpected keyword argument "
    r"'(?P<arg>\w+)'")
_NO_TYPE = re.compile(r'must contain the key "type"')
_TYPED_BUILDER = re.compile(r"Unknown [\w ]+ type '(?P<type>[\w.]+)'")


def walk_config(node: Any, path: str = '') -> Iterator[Tuple[str, Any]]:
    """Yield ``(dotted path, dict)`` for every dict inside ``node``."""
    if hasattr(node, 'to_dict') and not isinstance(node, dict):
        node = node.to_dict()  # an mmengine Config
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk_config(value, f'{path}.{key}' if path else key)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from walk_config(value, f'{path}.{i}')


def paths_of_type(cfg: Any, type_name: str) -> List[str]:
    """Config paths of the components whose ``type`` is ``type_name``."""
    short = type_name.split('.')[-1]
    return [path or '<root>' for path, node in walk_config(cfg)
            if isinstance(node.get('type'), str)
            and node['type'].split('.')[-1] == short]


def paths_with_key(cfg: Any, key: str) -> List[str]:
    """Config paths of the components that set ``key``."""
    return [f'{path}.{key}' if path else key
            for path, node in walk_config(cfg)
            if key in node and 'type' in node]


def _node(cfg: Any, path: str) -> dict:
    """The dict at dotted ``path`` (as produced by :func:`walk_config`)."""
    for node_path, node in walk_config(cfg):
        if node_path == path:
            return node
    return {}


def _registry(name: str):
    for registry in ALL_REGISTRIES.values():
        if registry.name == name:
            return registry
    return None


def _where(paths: List[str]) -> str:
    if not paths:
        return ''
    return f' (config key {", ".join(paths[:3])})'


def _unknown_type(match, cfg) -> str:
    type_name, reg_name = match['type'], match['registry'].strip()
    registry = _registry(reg_name)
    hints = (suggest(type_name.split('.')[-1], registered_names(registry))
             if registry is not None else [])
    hint = f' Did you mean: {", ".join(hints)}?' if hints else ''
    return (f'unknown {reg_name} type {type_name!r}'
            f'{_where([p + ".type" for p in paths_of_type(cfg, type_name)])}'
            ': it is '
            f'not registered in the mcg "{reg_name}" registry.{hint} If it '
            'comes from a plugin, check that the plugin is installed (entry '
            'point "mcg.plugins") or listed in custom_imports.')


def _lookup(type_name: str):
    """The registered class called ``type_name`` in any mcg registry."""
    short = type_name.split('.')[-1]
    for registry in ALL_REGISTRIES.values():
        if short in registered_names(registry):
            return registry.get(short)
    return None


def accepted_keys(type_name: str) -> List[str]:
    """Constructor arguments of ``type_name``, including those its
    ``**kwargs`` pass on to base classes."""
    cls = _lookup(type_name)
    keys: List[str] = []
    for klass in getattr(cls, '__mro__', ())[:-1]:
        try:
            params = inspect.signature(klass.__init__).parameters.values()
        except (TypeError, ValueError):
            continue
        keys += [p.name for p in params if p.name != 'self' and p.kind not in
                 (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in keys]
    return keys


def explain_build_error(exc: BaseException, cfg: Any) -> Optional[str]:
    """A user-facing message for a config mistake, or None if it is not one.

    Args:
        exc: The exception raised while building or running from ``cfg``.
        cfg: The full config, used to locate the faulty component.

    Returns:
        The message, or None when ``exc`` is not a recognised build error.
    """
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else \
        str(exc)
    if 'Did you mean' in text or 'is not registered in the mcg' in text:
        match = _TYPED_BUILDER.search(text)  # from mcg's typed builders
        where = [p + '.type' for p in paths_of_type(cfg, match['type'])
                 ] if match else []
        return text + (f' Config key: {", ".join(where)}.' if where else '')
    match = _NOT_REGISTERED.search(text)
    if match:
        return _unknown_type(match, cfg)
    match = _MISSING_ARGS.search(text)
    if match:
        cls_name, args = match['cls'], match['args']
        names = re.findall(r"'(\w+)'", args)
        where = [p for p in paths_of_type(cfg, cls_name)
                 if any(n not in _node(cfg, p) for n in names)]
        return (f'{cls_name}{_where(where)} needs the config key(s) {args}, '
                'which the config does not set.')
    match = _UNEXPECTED_ARG.search(text)
    if match:
        cls_name, arg = match['cls'], match['arg']
        where = paths_with_key(cfg, arg)
        # The error may name a base class that received **kwargs; the
        # config's own type is what the user wrote.
        owners = [_node(cfg, p.rsplit('.', 1)[0]).get('type') for p in where]
        owner = next((o for o in owners if isinstance(o, str)), cls_name)
        hints = suggest(arg, accepted_keys(owner) or accepted_keys(cls_name))
        hint = f' Did you mean: {", ".join(hints)}?' if hints else ''
        return (f'{owner}{_where(where)} does not take the config key '
                f'{arg!r}.{hint}')
    if _NO_TYPE.search(text):
        return f'a component config has no "type" key: {text}'
    return None
