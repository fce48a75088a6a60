"""The model abstraction (after immich's machine-learning service).

An :class:`InferenceModel` is created cheaply and loads its weights on first use (or on an
explicit :meth:`load`, which a Serve replica calls at start-up). ``predict`` = ``transform``
(pre-processing) + ``_predict`` (inference and post-processing). Inference *sessions*
(onnxruntime and its execution providers) live in :mod:`vision.models.session`, apart from models.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Generic, TypeVar

from vision.types import Detection, Face, FloatArray, ImageArray

In = TypeVar("In")
Prepared = TypeVar("Prepared")
Out = TypeVar("Out")


class ModelNotFoundError(FileNotFoundError):
    """Model weights are missing."""


class InferenceModel(ABC, Generic[In, Prepared, Out]):
    """A lazily-loaded model: ``predict(x) == _predict(transform(x))``."""

    model_name: str = "abstract"

    def __init__(self, model_dir: Path | None = None) -> None:
        self.model_dir = model_dir
        self._loaded = False
        self._load_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._loaded

    def load(self) -> None:
        if self._loaded:
            return
        with self._load_lock:
            if not self._loaded:
                self._load()
                self._loaded = True

    def predict(self, inputs: In) -> Out:
        self.load()
        return self._predict(self.transform(inputs))

    @abstractmethod
    def _load(self) -> None:
        """Read weights and create sessions."""

    @abstractmethod
    def transform(self, inputs: In) -> Prepared:
        """Pre-processing (pure, no weights needed)."""

    @abstractmethod
    def _predict(self, prepared: Prepared) -> Out:
        """Inference and post-processing."""


# Detectors: a batch of images -> per image its detections (original coordinates).
DetectorInput = Sequence[ImageArray]
DetectorOutput = list[list[Detection]]
# Recognisers: (image, detections) pairs -> per face an aligned chip and the (N, dim) embeddings.
RecognizerInput = Sequence[tuple[ImageArray, Sequence[Detection]]]


class FaceAnalyzer(ABC):
    """The one interface every backend offers: images in, faces (with embeddings) out."""

    backend: str
    model_name: str
    embedding_dim: int

    @abstractmethod
    def load(self) -> None: ...

    @abstractmethod
    def analyze(self, images: Sequence[ImageArray]) -> list[list[Face]]:
        """Detect, align and embed every face of every image (one list per image, same order)."""

    def embed_one(self, image: ImageArray) -> FloatArray | None:
        """Embedding of the largest face (for selfies), or None without a face."""
        faces = self.analyze([image])[0]
        if not faces:
            return None
        return max(faces, key=lambda f: f.size).embedding
