"""A plugin that fails to import: mcg must warn and carry on."""
raise ImportError('mcg_broken_plugin needs a package that is not installed')
