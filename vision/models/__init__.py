"""Backends and the factory that builds the configured one."""

from __future__ import annotations

from dataclasses import dataclass

from vision.config import VisionSettings
from vision.models.base import FaceAnalyzer, InferenceModel, ModelNotFoundError

__all__ = [
    "BACKENDS",
    "BackendInfo",
    "FaceAnalyzer",
    "InferenceModel",
    "ModelNotFoundError",
    "UnknownBackendError",
    "backend_info",
    "create_analyzer",
]


class UnknownBackendError(ValueError):
    """The configured backend name is not one we know."""


@dataclass(frozen=True, slots=True)
class BackendInfo:
    backend: str
    model_name: str
    embedding_dim: int


BACKENDS: dict[str, BackendInfo] = {
    "dlib": BackendInfo("dlib", "dlib-resnet-128", 128),
    "insightface": BackendInfo("insightface", "arcface-512", 512),
}


def backend_info(name: str) -> BackendInfo:
    try:
        return BACKENDS[name]
    except KeyError:
        raise UnknownBackendError(
            f"unknown vision backend {name!r}; choose one of {sorted(BACKENDS)}"
        ) from None


def create_analyzer(settings: VisionSettings | None = None) -> FaceAnalyzer:
    """Build (not load) the analyzer of ``settings.backend``; unknown names are rejected."""
    settings = settings or VisionSettings()
    backend_info(settings.backend)
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
