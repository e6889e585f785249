"""docs/architecture.md stays true: its layers, its quoted code, its examples."""
import ast
import os
import os.path as osp
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

from tests.conftest import REPO

DOC = osp.join(REPO, 'docs', 'architecture.md')
PLUGIN_SRC = osp.join(REPO, 'tests', 'plugins', 'mcg_example_plugin')
FILE_MARK = '# file: '


def code_blocks(lang: str) -> List[str]:
    """The fenced blocks of the page in ``lang``, in order."""
    with open(DOC, encoding='utf-8') as f:
        text = f.read()
    return re.findall(r'^```' + lang + r'\n(.*?)^```', text, re.M | re.S)


def layers() -> Dict[str, int]:
    """``{package: layer}`` from the page's ``layer N (...): a b c`` lines."""
    found = {}
    for block in code_blocks('text'):
        for line in block.splitlines():
            m = re.match(r'layer (\d+) \([^)]*\):\s*(.*)', line)
            if m:
                for name in m[2].split():
                    found[name] = int(m[1])
    return found


def mcg_imports(path: Path, root: Path) -> List[Tuple[int, str]]:
    """``(line, top-level mcg package)`` of every import in a file under
    ``root``, function-level ones included."""
    rel = path.relative_to(root).with_suffix('').parts
    package = rel[:-1]     # of a module; __init__ is its package's own
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[:len(package) - node.level + 1])
                names = ['.'.join(base + ([node.module] if node.module
                                          else []))]
            elif node.module:
                names = [node.module]
        for name in names:
            parts = name.split('.')
            if parts[0] == 'mcg' and len(parts) > 1:
                out.append((node.lineno, parts[1]))
    return out


def upward_imports(root: Path, table: Dict[str, int]) -> List[str]:
    """Imports in ``root/mcg`` of a package of a higher layer."""
    found = []
    for path in sorted((root / 'mcg').rglob('*.py')):
        parts = path.relative_to(root / 'mcg').parts
        if len(parts) == 1:
            continue      # mcg/__init__.py: register_all_modules
        own = table[parts[0]]
        for line, target in mcg_imports(path, root):
            if target in table and table[target] > own:
                found.append(f'{path.relative_to(root)}:{line}: '
                             f'{parts[0]} (layer {own}) imports {target} '
                             f'(layer {table[target]})')
    return found


def test_every_package_has_a_layer_and_imports_only_downwards():
    table = layers()
    packages = sorted(p.name for p in Path(REPO, 'mcg').iterdir()
                      if (p / '__init__.py').exists())
    assert [p for p in packages if p not in table] == [], (
        'add each package of mcg/ to a layer in docs/architecture.md')
    assert upward_imports(Path(REPO), table) == []


def test_upward_import_is_caught(tmp_path):
    # A loss importing the model, or (inside a function) the engine.
    bad = tmp_path / 'mcg' / 'losses' / 'bad.py'
    bad.parent.mkdir(parents=True)
    bad.write_text('from mcg.models import MCGVideoQA\n\n\n'
                   'def f():\n    from ..engine import launch\n')
    found = upward_imports(tmp_path, layers())
    assert len(found) == 2
    assert 'mcg/losses/bad.py:1: losses (layer 1) imports models' in found[0]
    assert 'mcg/losses/bad.py:5: losses (layer 1) imports engine' in found[1]


def test_quoted_files_are_the_tested_files():
    quoted = [b for b in code_blocks('python') if b.startswith(FILE_MARK)]
    assert quoted, 'the encoder example quotes the example plugin'
    for block in quoted:
        first, body = block.split('\n', 1)
        path = osp.join(REPO, first[len(FILE_MARK):].strip())
        with open(path, encoding='utf-8') as f:
            assert f.read() == body, f'{path} differs from the page'


def test_python_examples_run():
    code = '\n'.join(b for b in code_blocks('python')
                     if not b.startswith(FILE_MARK))
    assert 'FramePoolVideoEncoder' in code
    env = dict(os.environ, OMP_NUM_THREADS='1',
               # The example plugin, as its entry point would make it
               # importable once installed.
               PYTHONPATH=os.pathsep.join([PLUGIN_SRC, REPO]))
    res = subprocess.run([sys.executable, '-c', code], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "'loss_lm'" in res.stdout
