"""High-level APIs."""
from .inferencer import VideoQAInferencer

__all__ = ['VideoQAInferencer']
