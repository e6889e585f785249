"""Imported lazily through the ``MODELS`` registry ``locations``.

Importing this module loads the entry-point plugins, so a plugin-provided
type resolves from a config without any explicit call, and logs one line
naming the plugins (entry points, and modules such as a config's
``custom_imports`` that registered components).
"""
from .plugins import load_plugins, log_plugins

load_plugins()
log_plugins()
