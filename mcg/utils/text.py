"""Answer text normalisation shared by the answer heads and the metrics."""
import re

__all__ = ['normalize_answer']


def normalize_answer(text: str) -> str:
    """Canonical form shared by decoding and the metrics' normalised mode:
    lower case, single spaces, no trailing ``?`` or ``.``."""
    text = re.sub(r'\s+', ' ', text.lower()).strip()
    return text.rstrip('?.').strip()
