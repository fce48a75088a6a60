"""Conversions between backend faces and wire types (kept out of app.py so they test without Ray)."""

from __future__ import annotations

from vision.batching import ItemError
from vision.schemas import AnalyzeResult, FaceOut, QualityOut
from vision.types import Face, ImageArray


def face_out(face: Face) -> FaceOut:
    q = face.quality
    return FaceOut(
        box=(float(face.box[0]), float(face.box[1]), float(face.box[2]), float(face.box[3])),
        landmarks=[(float(x), float(y)) for x, y in face.landmarks.tolist()],
        score=float(face.score),
        quality=QualityOut(
            size_px=q.size_px, sharpness=q.sharpness, detector_score=q.detector_score, score=q.score
        ),
        embedding=face.embedding.astype(float).tolist(),
        model=face.model,
    )


def result_out(
    bucket: str, key: str, image: ImageArray | None, faces: list[Face] | ItemError
) -> AnalyzeResult:
    if isinstance(faces, ItemError):
        return AnalyzeResult(bucket=bucket, key=key, error=f"{faces.kind}: {faces.message}")
    h, w = (image.shape[:2]) if image is not None else (None, None)
    return AnalyzeResult(bucket=bucket, key=key, width=w, height=h, faces=[face_out(f) for f in faces])
