"""Minimal transform base class (mmcv is deliberately not a dependency)."""
from __future__ import annotations

from typing import Dict, Optional


class BaseTransform:
    """A pipeline step: ``results = step(results)``.

    Subclasses implement :meth:`transform`; returning None drops the sample.
    """

    def transform(self, results: Dict) -> Optional[Dict]:
        raise NotImplementedError

    def __call__(self, results: Dict) -> Optional[Dict]:
        return self.transform(results)

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'
