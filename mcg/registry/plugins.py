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
from typing import Dict

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
