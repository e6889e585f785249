"""High-level APIs."""
from .inferencer import VideoQAInferencer
from .qa_requests import Answered, InputError, QARequests, RequestLimits

__all__ = ['VideoQAInferencer', 'QARequests', 'RequestLimits', 'InputError',
           'Answered']
