"""Wire types of the vision HTTP API, shared by the Serve ingress and :mod:`vision.client`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MAX_ITEMS_PER_REQUEST = 64


class ObjectRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    bucket: str = Field(min_length=1, max_length=255)
    key: str = Field(min_length=1, max_length=1024)


class AnalyzeRequest(BaseModel):
    items: list[ObjectRef] = Field(min_length=1, max_length=MAX_ITEMS_PER_REQUEST)


class QualityOut(BaseModel):
    size_px: float
    sharpness: float
    detector_score: float
    score: float


class FaceOut(BaseModel):
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in image pixels (EXIF-rotated)
    landmarks: list[tuple[float, float]]
    score: float
    quality: QualityOut
    embedding: list[float]
    model: str


class AnalyzeResult(BaseModel):
    bucket: str
    key: str
    width: int | None = None
    height: int | None = None
    faces: list[FaceOut] = Field(default_factory=list)
    error: str | None = None  # set when this item failed (missing object, not an image, ...)

    @property
    def ok(self) -> bool:
        return self.error is None


class AnalyzeResponse(BaseModel):
    results: list[AnalyzeResult]


class VersionInfo(BaseModel):
    service: str = "wairo-vision"
    version: str
    backend: str
    model: str
    embedding_dim: int
    threshold: float
    margin: float


class Health(BaseModel):
    status: str = "ok"
