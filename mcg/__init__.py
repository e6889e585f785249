"""mcg: MCG video question answering as a modular MMEngine framework.

Importing ``mcg`` is light: components register when a registry is first
queried (the registries' lazy ``locations``), or when
:func:`register_all_modules` is called.
"""
from .version import __version__


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mcg module (and plugins) and optionally set the scope.

    Args:
        init_default_scope: Make ``mcg`` MMEngine's default scope.
    """
    import mcg.datasets  # noqa: F401
    import mcg.encoders  # noqa: F401
    import mcg.engine  # noqa: F401
    import mcg.evaluation  # noqa: F401
    import mcg.fusors  # noqa: F401
    import mcg.heads  # noqa: F401
    import mcg.losses  # noqa: F401
    import mcg.models  # noqa: F401
    from mcg.registry import load_plugins
    load_plugins()
    if init_default_scope:
        from mmengine.registry import init_default_scope as _init
        _init('mcg')


__all__ = ['__version__', 'register_all_modules']
