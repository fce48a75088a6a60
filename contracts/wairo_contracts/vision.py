"""Wire types of the vision HTTP API, shared by the Serve ingress and the worker's client
(`api/processing/vision_client.py`). A `Matrix`'s arrays are read and written by
`wairo_contracts.matrix` (numpy)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# What kind of failure one item had (`AnalyzeResult.error_kind`), so callers can tell a bad image
# (final) from a storage outage (retry):
# - ``decode``: the object is not an image the service can decode (or decode safely);
# - ``missing``: no such object or bucket;
# - ``storage``: storage unreachable or failing (worth retrying);
# - ``internal``: anything else (the analyzer failed; worth retrying).
ErrorKind = Literal["decode", "missing", "storage", "internal"]

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
    error_kind: ErrorKind | None = None

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


MAX_MATCH_ROWS = 1_000_000  # faces (or selfie embeddings) in one re-match request


class Matrix(BaseModel):
    """A float32 matrix on the wire: row-major little-endian bytes, base64 (a fifth of JSON's size)."""

    rows: int = Field(ge=0, le=MAX_MATCH_ROWS)
    dim: int = Field(ge=1, le=4096)
    data: str = Field(description="base64 of rows*dim little-endian float32 values")


class MatchRequest(BaseModel):
    """Every member of a project against every face of it, in one batched computation.

    ``users[i]`` owns row i of ``user_embeddings`` (a user may own several rows);
    ``faces[j]`` / ``photos[j]`` own row j of ``face_embeddings``."""

    model: str = Field(min_length=1, max_length=64)
    users: list[str] = Field(max_length=MAX_MATCH_ROWS)
    user_embeddings: Matrix
    faces: list[str] = Field(max_length=MAX_MATCH_ROWS)
    photos: list[str] = Field(max_length=MAX_MATCH_ROWS)
    face_embeddings: Matrix
    threshold: float | None = Field(default=None, ge=0, le=2)
    margin: float | None = Field(default=None, ge=0, le=2)


class TagOut(BaseModel):
    user: str
    photo: str
    face: str
    distance: float


class MatchResponse(BaseModel):
    model: str
    threshold: float
    margin: float
    tags: list[TagOut]
