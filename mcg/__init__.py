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
    # Imported here rather than at the top so that ``import mcg`` stays
    # light (0.1 s; the registries bring in mmengine, 0.7 s).
    from mcg.registry import import_component_packages, load_plugins
    import_component_packages()
    load_plugins()
    if init_default_scope:
        from mmengine.registry import init_default_scope as _init
        _init('mcg')


__all__ = ['__version__', 'register_all_modules']
