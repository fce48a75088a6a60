"""The face models: each backend's embedding model, its dimension and its matching rule.

A face matches a person when the cosine distance between their embeddings is at most the model's
``threshold``; ``margin`` is how much farther a second person may be before losing a shared face
(see `wairo_contracts.matching`). Thresholds were chosen with ``python -m bench.vision`` on the
shared labelled faces (see vision/README.md for the sweep).
"""

from __future__ import annotations

from dataclasses import dataclass


class UnknownModelError(KeyError, ValueError):
    """No face model (or backend) of that name: a failed lookup of a bad value."""


@dataclass(frozen=True, slots=True)
class FaceModel:
    name: str
    backend: str
    dimension: int
    threshold: float
    margin: float


FACE_MODELS: dict[str, FaceModel] = {
    # dlib ResNet: from the benchmark's sweep: recall plateaus from 0.085, first false positive
    # at 0.11; 0.09 stays on the plateau with room for bigger crowds.
    "dlib-resnet-128": FaceModel("dlib-resnet-128", "dlib", 128, threshold=0.09, margin=0.02),
    # ArcFace (insightface buffalo_l): the usual similarity cut of ~0.4; not benchmarked here.
    "arcface-512": FaceModel("arcface-512", "insightface", 512, threshold=0.60, margin=0.08),
}
BACKENDS: dict[str, FaceModel] = {model.backend: model for model in FACE_MODELS.values()}


def face_model(name: str) -> FaceModel:
    try:
        return FACE_MODELS[name]
    except KeyError:
        raise UnknownModelError(
            f"no matching threshold for model {name!r}; known: {sorted(FACE_MODELS)}"
        ) from None


def backend_model(backend: str) -> FaceModel:
    """The embedding model of a vision backend."""
    try:
        return BACKENDS[backend]
    except KeyError:
        raise UnknownModelError(
            f"unknown vision backend {backend!r}; choose one of {sorted(BACKENDS)}"
        ) from None
