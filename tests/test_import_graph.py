"""The import structure of ``mcg``: no circles, no imports hidden in functions.

Every module of ``mcg/`` is parsed with :mod:`ast` (nothing is imported), and
its module-level imports become the edges of a graph. An import of
``mcg.a.b`` also runs the ``__init__`` of ``mcg.a`` (unless the importer
lives inside ``mcg.a``, where that ``__init__`` has already run), so those
package edges are part of the graph; ``from mcg.a import b`` reaches the
submodule ``mcg.a.b`` when there is one. Imports under ``if TYPE_CHECKING:``
count too: they never run, but a circle they close still ties the modules
together.

An import inside a function used to be how a circle was broken; here it is
allowed only for the optional third-party packages of
:data:`FUNCTION_LEVEL_ALLOWED` and in the files of
:data:`IMPORTS_AT_CALL_TIME`, each with the reason it is imported late.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = 'mcg'

#: Third-party packages that may be imported inside a function: each serves
#: one feature only, so mcg imports (and most of it runs) without loading it.
FUNCTION_LEVEL_ALLOWED = {
    'av': 'PyAV (FFmpeg bindings): only decoding, probing and writing videos',
    'decord': 'native video decoder: only the decord decoding transform; '
              'configs that read frames, features or decode with PyAV '
              'never load it',
    'cv2': 'OpenCV (arrives with mmengine, not listed by mcg): only image '
           'files and the cv2 resize path',
    'PIL': 'Pillow (arrives with torchvision, not listed by mcg): only '
           'frame-folder decoding',
    'matplotlib': 'figures only (arrives with mmengine, not listed by mcg); '
                  'pyplot takes about 1 s to import',
    'nltk': 'WUPS only; its WordNet data is a separate install',
}
#: Files that import at call time by design, what they import, and why.
IMPORTS_AT_CALL_TIME = {
    'mcg/__init__.py': (
        ('mcg', 'mmengine'),
        'register_all_modules loads the registries on demand, so that '
        '`import mcg` stays light (0.1 s; mmengine takes 0.7 s)'),
}


def module_name(path: Path) -> str:
    """Dotted module name of a file under :data:`ROOT`."""
    parts = list(path.relative_to(ROOT).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


def package_modules() -> Dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    return {module_name(p): p for p in sorted((ROOT / PACKAGE).rglob('*.py'))}


def _imports(tree: ast.AST, in_function: bool = False
             ) -> Iterator[Tuple[ast.stmt, bool]]:
    """Yield ``(import statement, inside a function)`` below ``tree``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, in_function
        else:
            yield from _imports(node, in_function or isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module named by a (possibly relative) ``from`` import."""
    if not node.level:
        return node.module or ''
    base = module.split('.')
    if not is_package:
        base.pop()
    if node.level > 1:
        base = base[:len(base) - (node.level - 1)]
    return '.'.join(base + ([node.module] if node.module else []))


def _targets(module: str, is_package: bool, node: ast.stmt) -> List[str]:
    """Absolute names of the modules an import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = _absolute(module, is_package, node)
    return [base] + [f'{base}.{alias.name}' for alias in node.names]


def import_graph(in_functions: bool = False) -> Dict[str, Set[str]]:
    """Module-level imports of every module of the package, as edges.

    Args:
        in_functions: Count imports inside functions too (they run later,
            but a circle they close is only broken by where they stand).

    Returns:
        Module -> the package's modules its module-level imports run.
    """
    modules = package_modules()
    graph: Dict[str, Set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == '__init__.py'
        own = name if is_package else name.rpartition('.')[0]
        edges = graph.setdefault(name, set())
        tree = ast.parse(path.read_text(encoding='utf-8'), str(path))
        for node, in_function in _imports(tree):
            if in_function and not in_functions:
                continue
            for target in _targets(name, is_package, node):
                parts = target.split('.')
                # The target and every package __init__ its import runs.
                for i in range(1, len(parts) + 1):
                    prefix = '.'.join(parts[:i])
                    if prefix in modules and prefix != name and not (
                            own == prefix or own.startswith(prefix + '.')):
                        edges.add(prefix)
    return graph


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Strongly connected components of more than one module (Tarjan).

    Args:
        graph: Module -> imported modules.

    Returns:
        Each circle's modules, sorted; circles sorted.
    """
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def function_level_imports() -> List[Tuple[str, int, str]]:
    """Imports made inside functions.

    Returns:
        ``(file, line, imported module)`` for each, relative imports
        resolved.
    """
    out = []
    for name, path in package_modules().items():
        is_package = path.name == '__init__.py'
        tree = ast.parse(path.read_text(encoding='utf-8'), str(path))
        for node, in_function in _imports(tree):
            if not in_function:
                continue
            if isinstance(node, ast.ImportFrom):
                targets = [_absolute(name, is_package, node)]
            else:
                targets = [alias.name for alias in node.names]
            out += [(str(path.relative_to(ROOT)), node.lineno, target)
                    for target in targets]
    return out


def _edge_names(graph: Dict[str, Set[str]], circle: List[str]) -> List[str]:
    members = set(circle)
    return [f'{a} -> {b}' for a in circle for b in sorted(graph[a])
            if b in members]


def test_graph_sees_the_package():
    """The parser finds the modules and the edges it must (guards a no-op)."""
    graph = import_graph()
    assert len(graph) > 100
    assert 'mcg.registry.registry' in graph['mcg.registry']
    # ``from mcg.registry import MODELS`` runs mcg/registry/__init__.py.
    assert 'mcg.registry' in graph['mcg.heads.classifier']
    # A relative import from a package's __init__ resolves inside it.
    assert 'mcg.heads.generator' in graph['mcg.heads']


def test_cycle_finder_finds_a_circle():
    """A known circle is reported (so an empty result means none)."""
    graph = {'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}
    assert cycles(graph) == [['a', 'b', 'c']]


def test_no_import_cycles():
    # Imports inside functions count too: a circle they close is a circle.
    graph = import_graph(in_functions=True)
    found = cycles(graph)
    assert not found, 'import circles in mcg:\n' + '\n'.join(
        '  ' + ', '.join(c) + '\n    ' + '\n    '.join(_edge_names(graph, c))
        for c in found)


def test_function_level_imports_only_of_optional_packages():
    bad = [f'{path}:{line}: {target}'
           for path, line, target in function_level_imports()
           if target.split('.')[0] not in FUNCTION_LEVEL_ALLOWED
           and target.split('.')[0] not in IMPORTS_AT_CALL_TIME.get(
               path, ((), ''))[0]]
    assert not bad, ('imports inside functions (move them to the top of the '
                     'module, or allow an optional package with its reason '
                     'in FUNCTION_LEVEL_ALLOWED):\n' + '\n'.join(bad))


if __name__ == '__main__':
    import sys
    g = import_graph(in_functions='--in-functions' in sys.argv)
    for circle in cycles(g):
        print('circle:', ', '.join(circle))
        for edge in _edge_names(g, circle):
            print('   ', edge)
    for row in function_level_imports():
        print('%s:%d: %s' % row)
