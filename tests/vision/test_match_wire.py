"""The re-match wire format (base64 float32 matrices) and the service-side handler, without Ray."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from vision.serve.convert import match_response
from wairo_contracts.matching import rematch_project
from wairo_contracts.matrix import from_matrix, to_matrix
from wairo_contracts.vision import MatchRequest, Matrix

RNG = np.random.default_rng(7)


def _request(users: np.ndarray, faces: np.ndarray, **extra: Any) -> MatchRequest:
    return MatchRequest(
        model="dlib-resnet-128",
        users=[f"u{i}" for i in range(len(users))],
        user_embeddings=to_matrix(users, 128),
        faces=[f"f{j}" for j in range(len(faces))],
        photos=[f"p{j // 3}" for j in range(len(faces))],
        face_embeddings=to_matrix(faces, 128),
        **extra,
    )


def test_matrix_round_trip_is_exact_and_compact() -> None:
    values = RNG.standard_normal((5, 128)).astype(np.float32)
    wire = to_matrix(values)
    assert (wire.rows, wire.dim) == (5, 128)
    assert np.array_equal(from_matrix(wire), values)
    assert len(wire.data) < len(str(values.tolist())) / 3  # base64 float32, not decimal text
    empty = to_matrix(np.zeros((0, 128)), 128)
    assert from_matrix(empty).shape == (0, 128)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (Matrix(rows=2, dim=2, data="not base64!"), "not base64"),
        (Matrix(rows=2, dim=2, data=base64.b64encode(b"\0" * 12).decode()), "holds 12 bytes"),
        (to_matrix([[np.nan, 1.0]]), "NaN or infinite"),
    ],
)
def test_bad_matrices_are_refused(matrix: Matrix, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_matrix(matrix)


def test_matrix_bounds_are_validated() -> None:
    with pytest.raises(ValidationError):
        Matrix(rows=-1, dim=128, data="")
    with pytest.raises(ValidationError):
        Matrix(rows=1, dim=0, data="")


def test_match_response_is_the_batched_rematch() -> None:
    users = RNG.standard_normal((4, 128)).astype(np.float32)
    # Twelve faces on four photos: each user's face (slightly perturbed) plus strangers.
    faces = np.concatenate([users + 0.02 * RNG.standard_normal(users.shape), RNG.standard_normal((8, 128))])
    faces = faces.astype(np.float32)
    request = _request(users, faces)
    response = match_response(MatchRequest.model_validate_json(request.model_dump_json()))
    expected = rematch_project(request.users, users, request.faces, request.photos, faces, "dlib-resnet-128")
    assert [(t.user, t.photo, t.face) for t in response.tags] == [
        (t.user_id, t.photo_id, t.face_id) for t in expected
    ]
    assert {t.user for t in response.tags} == {"u0", "u1", "u2", "u3"}
    assert (response.threshold, response.margin) == (0.09, 0.02)
    # An explicit threshold overrides the model's: at 0 nobody matches a perturbed face.
    assert match_response(_request(users, faces, threshold=0.0)).tags == []


def test_match_response_refuses_inconsistent_requests() -> None:
    users = RNG.standard_normal((2, 128)).astype(np.float32)
    faces = RNG.standard_normal((3, 128)).astype(np.float32)
    with pytest.raises(ValueError, match="no matching threshold"):
        match_response(_request(users, faces).model_copy(update={"model": "mystery-model"}))
    with pytest.raises(ValueError, match="users and user_embeddings"):
        match_response(_request(users, faces).model_copy(update={"users": ["u0"]}))
    with pytest.raises(ValueError, match="differ in length"):
        match_response(_request(users, faces).model_copy(update={"photos": ["p0"]}))
    narrow = _request(users, faces).model_copy(update={"face_embeddings": to_matrix(faces[:, :64])})
    with pytest.raises(ValueError, match="embedding dims differ"):
        match_response(narrow)
