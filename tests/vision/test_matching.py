import numpy as np
import pytest

from wairo_contracts.faces import FACE_MODELS, face_model
from wairo_contracts.matching import (
    assign_tags,
    cosine_distances,
    photos_by_user,
    rematch_project,
)


def unit(*v: float) -> np.ndarray:
    a = np.asarray(v, dtype=np.float32)
    return a / np.linalg.norm(a)


def near(base: np.ndarray, distance: float, side: float = 1.0) -> np.ndarray:
    """A unit vector at the given cosine distance from ``base``, turned to one ``side`` in the xy plane."""
    b = base / np.linalg.norm(base)
    ortho = side * np.array([-b[1], b[0], 0.0], dtype=np.float32)
    c = 1.0 - distance
    return (c * b + np.sqrt(1 - c * c) * ortho).astype(np.float32)


A = unit(1, 0, 0)
B = unit(0, 1, 0)


def test_cosine_distances():
    d = cosine_distances([A, B], [A, B, -A])
    np.testing.assert_allclose(d, [[0, 1, 2], [1, 0, 1]], atol=1e-6)


def test_one_tag_per_user_per_photo_on_the_nearest_face():
    faces = np.stack([near(A, 0.05), near(A, 0.02), near(A, 0.03)])
    tags = assign_tags(["u"], [A], ["f1", "f2", "f3"], ["p1", "p1", "p2"], faces, threshold=0.1)
    assert [(t.photo_id, t.face_id) for t in tags] == [("p1", "f2"), ("p2", "f3")]
    assert tags[0].distance == pytest.approx(0.02, abs=1e-4)


def test_nearer_user_wins_a_face_beyond_the_margin():
    faces = np.stack([near(A, 0.02)])
    u2 = near(A, 0.06, side=-1.0)  # also within the threshold of the face, but clearly farther
    tags = assign_tags(["u1", "u2"], [A, u2], ["f"], ["p"], faces, threshold=0.2, margin=0.01)
    assert [t.user_id for t in tags] == ["u1"]


def test_both_users_kept_within_the_margin():
    faces = np.stack([near(A, 0.02)])
    u2 = near(A, 0.001)
    tags = assign_tags(["u1", "u2"], [A, u2], ["f"], ["p"], faces, threshold=0.2, margin=0.5)
    assert sorted(str(t.user_id) for t in tags) == ["u1", "u2"]


def test_loser_falls_back_to_another_face_of_the_photo():
    # u1 owns f1; u2 is also nearest to f1 but clearly farther; u2 still matches f2 in the same photo.
    f1 = A
    f2 = unit(0.3, 1, 0)
    u2 = unit(1, 0.5, 0)
    d = cosine_distances([u2], [f1, f2])[0]
    assert d[0] < d[1]
    tags = assign_tags(["u1", "u2"], [A, u2], ["f1", "f2"], ["p", "p"], np.stack([f1, f2]), 0.35, 0.01)
    assert {(t.user_id, t.face_id) for t in tags} == {("u1", "f1"), ("u2", "f2")}


def test_nothing_beyond_the_threshold_and_empty_inputs():
    assert assign_tags(["u"], [A], ["f"], ["p"], np.stack([B]), threshold=0.5) == []
    assert assign_tags([], np.zeros((0, 3)), ["f"], ["p"], np.stack([B]), threshold=0.5) == []
    assert assign_tags(["u"], [A], [], [], np.zeros((0, 3)), threshold=0.5) == []


def test_several_selfies_of_a_user_use_the_nearest():
    faces = np.stack([B])
    tags = assign_tags(["u", "u"], [A, near(B, 0.01)], ["f"], ["p"], faces, threshold=0.05)
    assert len(tags) == 1 and tags[0].distance == pytest.approx(0.01, abs=1e-4)


def test_rematch_project_is_chunk_independent():
    rng = np.random.default_rng(1)
    users = rng.normal(size=(20, 16)).astype(np.float32)
    faces = np.concatenate([users + rng.normal(scale=0.15, size=users.shape), rng.normal(size=(200, 16))])
    face_ids = list(range(len(faces)))
    photo_ids = [i % 37 for i in face_ids]
    user_ids = [f"u{i}" for i in range(20)]
    whole = rematch_project(user_ids, users, face_ids, photo_ids, faces, "x", threshold=0.1, margin=0.01)
    chunked = rematch_project(
        user_ids, users, face_ids, photo_ids, faces, "x", threshold=0.1, margin=0.01, chunk_size=7
    )
    assert [(t.user_id, t.photo_id, t.face_id) for t in whole] == [
        (t.user_id, t.photo_id, t.face_id) for t in chunked
    ]
    np.testing.assert_allclose([t.distance for t in whole], [t.distance for t in chunked], atol=1e-5)
    assert len(photos_by_user(whole)) >= 15
    pairs = [(t.user_id, t.photo_id) for t in whole]
    assert len(pairs) == len(set(pairs))


def test_thresholds_per_model():
    assert face_model("dlib-resnet-128") == FACE_MODELS["dlib-resnet-128"]
    with pytest.raises(KeyError):
        face_model("nope")


def test_mismatched_lengths_rejected():
    with pytest.raises(ValueError):
        assign_tags(["u"], [A], ["f1", "f2"], ["p"], np.stack([A, B]), threshold=0.1)
