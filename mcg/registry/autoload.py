"""Imported lazily through the ``MODELS`` registry ``locations``.

Importing this module loads the entry-point plugins, so a plugin-provided
type resolves from a config without any explicit call.
"""
from .plugins import load_plugins

load_plugins()
