"""Feature records for loss tests that only fill what a loss reads."""
from dataclasses import fields

from mcg.structures import VideoQAFeatures


def features(**given) -> VideoQAFeatures:
    """A :class:`VideoQAFeatures` with ``given`` fields, the others None."""
    empty = {f.name: None for f in fields(VideoQAFeatures)
             if f.name != 'head_outputs'}
    return VideoQAFeatures(**{**empty, **given})
