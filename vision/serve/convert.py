"""Conversions between backend faces and wire types (kept out of app.py so they test without Ray)."""

from __future__ import annotations

from vision.batching import ItemError
from vision.types import Face, ImageArray
from wairo_contracts.faces import UnknownModelError, face_model
from wairo_contracts.matching import rematch_project
from wairo_contracts.matrix import from_matrix
from wairo_contracts.vision import AnalyzeResult, FaceOut, MatchRequest, MatchResponse, QualityOut, TagOut


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
        return AnalyzeResult(
            bucket=bucket, key=key, error=f"{faces.kind}: {faces.message}", error_kind=faces.category
        )
    h, w = (image.shape[:2]) if image is not None else (None, None)
    return AnalyzeResult(bucket=bucket, key=key, width=w, height=h, faces=[face_out(f) for f in faces])


def match_response(request: MatchRequest) -> MatchResponse:
    """Run :func:`wairo_contracts.matching.rematch_project` on a wire request; ValueError on bad
    input (unknown model, lengths or dimensions that disagree)."""
    users, faces = from_matrix(request.user_embeddings), from_matrix(request.face_embeddings)
    if len(request.users) != len(users):
        raise ValueError("users and user_embeddings differ in length")
    try:
        model = face_model(request.model)
    except UnknownModelError as exc:
        raise ValueError(str(exc.args[0])) from None
    threshold = model.threshold if request.threshold is None else request.threshold
    margin = model.margin if request.margin is None else request.margin
    tags = rematch_project(
        request.users,
        users,
        request.faces,
        request.photos,
        faces,
        request.model,
        threshold=threshold,
        margin=margin,
    )
    return MatchResponse(
        model=request.model,
        threshold=threshold,
        margin=margin,
        tags=[
            TagOut(user=str(t.user_id), photo=str(t.photo_id), face=str(t.face_id), distance=t.distance)
            for t in tags
        ],
    )
