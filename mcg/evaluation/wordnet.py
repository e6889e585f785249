"""Offline access to WordNet 3.0 through nltk, for WUPS.

``nltk.download`` needs the network, so when nltk's own data is missing the
corpus is assembled from Debian's ``wordnet-base`` and ``wordnet-sense-index``
files: they are *copied* (nltk >= 3.10 refuses paths and symlinks outside its
data roots) into ``<cache>/corpora/wordnet`` together with a generated
``lexnames`` file, which Debian lacks but nltk requires. ``lexnames`` is
rebuilt from the table in the ``lexnames(5WN)`` man page shipped by
``wordnet-base``, or from :data:`LEXNAMES` where the image strips man pages.
"""
from __future__ import annotations

import gzip
import os
import re
import shutil
import warnings
from typing import Iterable, Optional

#: Where Debian's packages put the database and the lexnames man page.
DEBIAN_WORDNET_DIR = '/usr/share/wordnet'
DEBIAN_LEXNAMES_MAN = '/usr/share/man/man5/lexnames.5WN.gz'
#: Files nltk's WordNetCorpusReader opens (``index.sense`` comes from
#: wordnet-sense-index, the rest from wordnet-base).
REQUIRED_FILES = tuple(
    f'{kind}.{pos}' for kind in ('data', 'index')
    for pos in ('noun', 'verb', 'adj', 'adv')) + (
        'noun.exc', 'verb.exc', 'adj.exc', 'adv.exc', 'index.sense')
OPTIONAL_FILES = ('cntlist.rev', 'cntlist')
HOW_TO_INSTALL = ('install nltk (pip install nltk) and WordNet 3.0, e.g. '
                  '`apt-get install wordnet-base wordnet-sense-index` on '
                  'Debian/Ubuntu, or set MCG_WORDNET_DIR to a folder holding '
                  'the WordNet dict files')
_CATEGORY = dict(noun=1, verb=2, adj=3, adv=4)
#: WordNet 3.0's lexicographer file names in file-number order, for images
#: that strip man pages (e.g. Debian "slim" containers).
LEXNAMES = (
    'adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact '
    'noun.attribute noun.body noun.cognition noun.communication noun.event '
    'noun.feeling noun.food noun.group noun.location noun.motive noun.object '
    'noun.person noun.phenomenon noun.plant noun.possession noun.process '
    'noun.quantity noun.relation noun.shape noun.state noun.substance '
    'noun.time verb.body verb.change verb.cognition verb.communication '
    'verb.competition verb.consumption verb.contact verb.creation '
    'verb.emotion verb.motion verb.perception verb.possession verb.social '
    'verb.stative verb.weather adj.ppl').split()
_LEXNAME_LINE = re.compile(r'^(\d\d)\t\s*((?:noun|verb|adj|adv)\.\w+)\s*\t')

_READER = None
_FAILURE: Optional[str] = None


class WordNetUnavailable(RuntimeError):
    """WordNet (nltk or its data) cannot be loaded offline."""


def default_cache_dir() -> str:
    """``$MCG_NLTK_DATA`` or ``~/.cache/mcg/nltk_data``."""
    if os.environ.get('MCG_NLTK_DATA'):
        return os.environ['MCG_NLTK_DATA']
    base = os.environ.get('XDG_CACHE_HOME',
                          os.path.join(os.path.expanduser('~'), '.cache'))
    return os.path.join(base, 'mcg', 'nltk_data')


def lexnames_from_man_page(man_path: str = DEBIAN_LEXNAMES_MAN) -> str:
    """Rebuild the ``lexnames`` file from the ``lexnames(5WN)`` man page.

    Args:
        man_path: The gzipped man page.

    Returns:
        45 lines ``NN<TAB>lexname<TAB>category`` (1 noun, 2 verb, 3 adj,
        4 adv), newline-terminated.

    Raises:
        WordNetUnavailable: The page is missing or its table is incomplete.
    """
    if not os.path.isfile(man_path):
        raise WordNetUnavailable(f'{man_path} not found (it ships with '
                                 'wordnet-base)')
    with gzip.open(man_path, 'rt', encoding='utf-8', errors='replace') as f:
        rows = [m.groups() for m in map(_LEXNAME_LINE.match, f) if m]
    numbers = [int(num) for num, _ in rows]
    if numbers != list(range(45)):
        raise WordNetUnavailable(
            f'{man_path}: expected lexicographer files 00-44, found '
            f'{len(rows)} table rows')
    return format_lexnames(name for _, name in rows)


def format_lexnames(names: Iterable[str]) -> str:
    """``NN<TAB>name<TAB>category`` lines for names in file-number order."""
    return ''.join(f'{num:02d}\t{name}\t{_CATEGORY[name.split(".")[0]]}\n'
                   for num, name in enumerate(names))


def build_wordnet_cache(source_dir: str = DEBIAN_WORDNET_DIR,
                        cache_dir: Optional[str] = None,
                        man_path: str = DEBIAN_LEXNAMES_MAN) -> str:
    """Copy WordNet dict files into an nltk data folder.

    Args:
        source_dir: Folder with ``data.noun``, ``index.sense`` etc.
        cache_dir: nltk data root to fill (default :func:`default_cache_dir`).
        man_path: ``lexnames(5WN)`` man page, used when ``source_dir`` has no
            ``lexnames`` file.

    Returns:
        The nltk data root (holding ``corpora/wordnet``).

    Raises:
        WordNetUnavailable: A required file is missing.
    """
    cache_dir = cache_dir or default_cache_dir()
    target = os.path.join(cache_dir, 'corpora', 'wordnet')
    missing = [n for n in REQUIRED_FILES
               if not os.path.isfile(os.path.join(source_dir, n))]
    if missing:
        raise WordNetUnavailable(
            f'{source_dir} lacks {", ".join(missing)}; {HOW_TO_INSTALL}')
    src_lexnames = os.path.join(source_dir, 'lexnames')
    lexnames = None
    if not os.path.isfile(src_lexnames):
        lexnames = (lexnames_from_man_page(man_path)
                    if os.path.isfile(man_path) else format_lexnames(LEXNAMES))
    os.makedirs(target, exist_ok=True)
    for name in REQUIRED_FILES + OPTIONAL_FILES + ('lexnames', ):
        src = os.path.join(source_dir, name)
        dst = os.path.join(target, name)
        if os.path.isfile(src) and not _same_size(src, dst):
            # Copy to a temporary name first: concurrent test workers may
            # build the same cache.
            shutil.copyfile(src, dst + '.part')
            os.replace(dst + '.part', dst)
    if lexnames is not None:
        with open(os.path.join(target, 'lexnames.part'), 'w') as f:
            f.write(lexnames)
        os.replace(os.path.join(target, 'lexnames.part'),
                   os.path.join(target, 'lexnames'))
    return cache_dir


def _same_size(src: str, dst: str) -> bool:
    return os.path.isfile(dst) and os.path.getsize(src) == os.path.getsize(dst)


def _load_from_nltk_path():
    from nltk.corpus.reader.wordnet import WordNetCorpusReader
    from nltk.data import find
    with warnings.catch_warnings():
        # Open Multilingual WordNet is not needed for WUPS.
        warnings.filterwarnings('ignore', message='.*multilingual')
        return WordNetCorpusReader(find('corpora/wordnet'), None)


def get_wordnet():
    """Return nltk's WordNet reader, building the offline cache if needed.

    Tried in order: nltk's configured data (``NLTK_DATA`` etc.), the mcg
    cache, then a cache built from ``$MCG_WORDNET_DIR`` or Debian's
    ``/usr/share/wordnet``. The result (or the failure) is remembered.

    Returns:
        A ``WordNetCorpusReader``.

    Raises:
        WordNetUnavailable: With the reason and how to install WordNet.
    """
    global _READER, _FAILURE
    if _READER is not None:
        return _READER
    if _FAILURE is not None:
        raise WordNetUnavailable(_FAILURE)
    try:
        import nltk
    except ImportError:
        _FAILURE = f'nltk is not installed; {HOW_TO_INSTALL}'
        raise WordNetUnavailable(_FAILURE) from None
    cache_dir = default_cache_dir()
    if cache_dir not in nltk.data.path:
        nltk.data.path.append(cache_dir)
    try:
        _READER = _load_from_nltk_path()
        return _READER
    except (LookupError, OSError):
        pass
    source = os.environ.get('MCG_WORDNET_DIR', DEBIAN_WORDNET_DIR)
    try:
        build_wordnet_cache(source, cache_dir)
        _READER = _load_from_nltk_path()
    except (WordNetUnavailable, LookupError, OSError) as exc:
        _FAILURE = f'WordNet is not available offline ({exc})'
        if HOW_TO_INSTALL not in _FAILURE:
            _FAILURE += f'; {HOW_TO_INSTALL}'
        raise WordNetUnavailable(_FAILURE) from None
    return _READER


def wordnet_status() -> Optional[str]:
    """None when WordNet loads, else the reason it does not."""
    try:
        get_wordnet()
    except WordNetUnavailable as exc:
        return str(exc)
    return None


def reset_wordnet_cache() -> None:
    """Forget the loaded reader or failure (for tests)."""
    global _READER, _FAILURE
    _READER, _FAILURE = None, None
