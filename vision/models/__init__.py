"""Backends and the factory that builds the configured one."""

from __future__ import annotations

from vision.config import VisionSettings
from vision.models.base import FaceAnalyzer, InferenceModel, ModelNotFoundError
from vision.models.pool import AnalyzerPool
from wairo_contracts.faces import BACKENDS

__all__ = [
    "AnalyzerPool",
    "FaceAnalyzer",
    "InferenceModel",
    "ModelNotFoundError",
    "UnknownBackendError",
    "create_analyzer",
    "create_analyzer_pool",
]


class UnknownBackendError(ValueError):
    """The configured backend name is not one we know."""


def create_analyzer(settings: VisionSettings | None = None) -> FaceAnalyzer:
    """Build (not load) the analyzer of ``settings.backend`` (one of `wairo_contracts.faces`'
    backends); unknown names are rejected."""
    settings = settings or VisionSettings()
    if settings.backend not in BACKENDS:
        raise UnknownBackendError(
            f"unknown vision backend {settings.backend!r}; choose one of {sorted(BACKENDS)}"
        )
    if settings.backend == "dlib":
        from vision.models.dlib_backend import DlibFaceAnalyzer

        return DlibFaceAnalyzer(
            model_dir=None,
            min_face_px=settings.min_face_px,
            max_side_px=settings.max_side_px,
            adjust_threshold=settings.dlib_adjust_threshold,
        )
    from vision.models.insightface_backend import InsightFaceAnalyzer

    return InsightFaceAnalyzer(
        model_dir=settings.model_dir,
        det_size=settings.det_size,
        score_threshold=settings.det_threshold,
        nms_threshold=settings.nms_threshold,
        embed_batch_size=settings.embed_batch_size,
        providers=settings.providers,
        intra_op_threads=settings.intra_op_threads,
    )


def create_analyzer_pool(settings: VisionSettings | None = None) -> AnalyzerPool:
    """One analyzer of ``settings`` per inference thread (`VisionSettings.inference_threads`)."""
    settings = settings or VisionSettings()
    return AnalyzerPool(lambda: create_analyzer(settings), settings.inference_threads())
