"""Plain result types shared by the backends (no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
ImageArray = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Detection:
    """A detected face in original-image pixel coordinates."""

    box: tuple[float, float, float, float]  # x1, y1, x2, y2
    landmarks: FloatArray  # (5, 2): the model's 5-point scheme (see vision/README.md)
    score: float


@dataclass(frozen=True, slots=True)
class FaceQuality:
    size_px: float  # shorter side of the box
    sharpness: float  # variance of the Laplacian of the aligned grey chip
    detector_score: float
    score: float  # combined, 0..1


@dataclass(frozen=True, slots=True)
class Face:
    box: tuple[float, float, float, float]
    landmarks: FloatArray
    score: float
    quality: FaceQuality
    embedding: FloatArray = field(repr=False)  # L2-normalised float32
    model: str

    @property
    def size(self) -> float:
        return self.quality.size_px
