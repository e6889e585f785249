"""Discovery of third-party plugins.

A plugin is any importable module that registers components into mcg's
registries. Installed packages announce theirs through the ``mcg.plugins``
entry-point group::

    [project.entry-points."mcg.plugins"]
    my_encoder = "my_pkg.encoders"

Unpackaged code can use MMEngine's ``custom_imports`` in a config instead.
Plugins load lazily the first time a registry is queried (the module
``mcg.registry.autoload`` is one of the ``MODELS`` locations), so every tool,
test and API sees them without calling anything. A plugin that fails to
import is reported with a warning and skipped: one broken package must never
break the builds of unrelated components.
"""
from __future__ import annotations

import importlib
import os
import warnings
from importlib.metadata import entry_points
from typing import Dict, List

from mmengine.logging import print_log

from .registry import ALL_REGISTRIES

#: Entry-point group scanned for plugins.
ENTRY_POINT_GROUP = 'mcg.plugins'
#: Set to ``1`` to skip entry-point discovery (e.g. to bisect a bad plugin).
DISABLE_ENV = 'MCG_DISABLE_PLUGINS'

_loaded: Dict[str, str] = {}
_failed: Dict[str, str] = {}


def load_plugins(force: bool = False) -> Dict[str, str]:
    """Import every module announced in the ``mcg.plugins`` entry points.

    Args:
        force: Retry plugins even if discovery already ran in this process.

    Returns:
        Mapping of entry-point name to the imported module path, for the
        plugins that loaded successfully.
    """
    if _loaded or _failed:
        if not force:
            return dict(_loaded)
    if os.environ.get(DISABLE_ENV, '0') not in ('', '0'):
        return {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _loaded and not force:
            continue
        try:
            # ``ep.value`` may be "module" or "module:attr"; importing the
            # module is what registers the components.
            importlib.import_module(ep.value.split(':')[0].strip())
        except Exception as exc:  # noqa: BLE001 - isolate any plugin error
            _failed[ep.name] = f'{type(exc).__name__}: {exc}'
            warnings.warn(
                f'mcg plugin {ep.name!r} ({ep.value}) failed to import and '
                f'was skipped: {type(exc).__name__}: {exc}. Set '
                f'{DISABLE_ENV}=1 to disable plugin discovery.',
                RuntimeWarning, stacklevel=2)
            continue
        _loaded[ep.name] = ep.value
    return dict(_loaded)


def failed_plugins() -> Dict[str, str]:
    """Return the plugins that failed to import, with their error message."""
    return dict(_failed)


def plugin_summary() -> str:
    """One line naming the plugins whose components are registered.

    Entry-point plugins are listed by name; any other module outside mcg
    that registered components into mcg's registries (a config's
    ``custom_imports``, or user code) is listed with those components.

    Returns:
        E.g. ``mcg plugins: entry points: example (mcg_example_plugin);
        custom_imports/other modules: my_encoders (LocalMeanVideoEncoder)``.
    """
    if os.environ.get(DISABLE_ENV, '0') not in ('', '0'):
        entry = f'disabled ({DISABLE_ENV}=1)'
    else:
        entry = ', '.join(f'{name} ({value})' for name, value in
                          sorted(_loaded.items())) or 'none'
    if _failed:
        entry += f'; failed to import: {", ".join(sorted(_failed))}'
    packages = {'mcg'} | {value.split(':')[0].strip().split('.')[0]
                          for value in _loaded.values()}
    others: Dict[str, List[str]] = {}
    for registry in ALL_REGISTRIES.values():
        for name, obj in registry.module_dict.items():
            module = getattr(obj, '__module__', None) or '?'
            if module.split('.')[0] not in packages:
                others.setdefault(module, []).append(name)
    other = '; '.join(f'{module} ({", ".join(sorted(names))})'
                      for module, names in sorted(others.items())) or 'none'
    return (f'mcg plugins: entry points ({ENTRY_POINT_GROUP}): {entry}; '
            f'custom_imports/other modules: {other}')


def log_plugins() -> None:
    """Log :func:`plugin_summary` (once per process, at the first build)."""
    print_log(plugin_summary(), logger='current')
