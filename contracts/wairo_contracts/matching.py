"""Matching selfies to event faces: pure NumPy, no database. Both sides apply these rules: the API's
worker to one member (candidate faces from pgvector, cosine distance, filtered by project), the
vision service to a whole project's re-match. Rules:

* a face matches a user when the cosine distance between the user's selfie embedding (the
  nearest one, when the user has several) and the face is ``<= threshold`` (per model);
* a user is tagged at most once per photo: on the nearest matching face;
* a face is not given to two users when one is clearly nearer: a user whose distance to a face
  exceeds the nearest user's by more than ``margin`` loses that face (and may still be tagged on
  another face of the same photo). Within the margin both are kept (twins, ambiguous faces).

Thresholds and margins per model are in `wairo_contracts.faces`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wairo_contracts.faces import face_model

DEFAULT_CHUNK = 16_384


@dataclass(frozen=True, slots=True)
class Tag:
    user_id: Hashable
    photo_id: Hashable
    face_id: Hashable
    distance: float


def l2_normalise(x: npt.ArrayLike) -> npt.NDArray[np.float32]:
    a = np.atleast_2d(np.asarray(x, dtype=np.float32))
    return a / (np.linalg.norm(a, axis=1, keepdims=True) + 1e-12)


def cosine_distances(a: npt.ArrayLike, b: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """(len(a), len(b)) cosine distances; inputs need not be normalised."""
    return np.asarray(1.0 - l2_normalise(a) @ l2_normalise(b).T, dtype=np.float32)


def _per_user_min(
    user_index: npt.NDArray[np.intp], n_users: int, dist: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """Reduce (n_embeddings, F) distances to (n_users, F) by each user's nearest embedding."""
    out = np.full((n_users, dist.shape[1]), np.inf, dtype=np.float32)
    np.minimum.at(out, user_index, dist)
    return out


def _candidates(
    user_ids: Sequence[Hashable],
    user_embeddings: npt.ArrayLike,
    face_embeddings: npt.ArrayLike,
    threshold: float,
    chunk_size: int,
) -> tuple[list[Hashable], npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float32]]:
    """All (user, face) pairs within ``threshold``: one matrix product per chunk of faces."""
    users = l2_normalise(user_embeddings) if len(user_ids) else np.zeros((0, 1), np.float32)
    faces = np.asarray(face_embeddings, dtype=np.float32)
    if len(users) != len(user_ids):
        raise ValueError("user_ids and user_embeddings differ in length")
    uniq: dict[Hashable, int] = {}
    user_index = np.array([uniq.setdefault(u, len(uniq)) for u in user_ids], dtype=np.intp)
    us, fs, ds = [], [], []
    if len(users) and len(faces):
        faces = l2_normalise(faces)
        if faces.shape[1] != users.shape[1]:
            raise ValueError(f"embedding dims differ: users {users.shape[1]}, faces {faces.shape[1]}")
        for start in range(0, len(faces), chunk_size):
            dist = 1.0 - users @ faces[start : start + chunk_size].T
            if len(uniq) != len(users):
                dist = _per_user_min(user_index, len(uniq), dist)
            u, f = np.nonzero(dist <= threshold)
            us.append(u)
            fs.append(f + start)
            ds.append(dist[u, f])
    if not us:
        empty = np.zeros(0, dtype=np.intp)
        return list(uniq), empty, empty, np.zeros(0, dtype=np.float32)
    return list(uniq), np.concatenate(us), np.concatenate(fs), np.concatenate(ds).astype(np.float32)


def resolve(
    user_idx: npt.NDArray[np.intp],
    face_idx: npt.NDArray[np.intp],
    distances: npt.NDArray[np.float32],
    photo_of_face: Sequence[Hashable],
    margin: float,
) -> list[int]:
    """Pick which candidate pairs become tags (indices into the candidate arrays), nearest first:
    one face per (user, photo); a face's later claimant is refused when it is more than
    ``margin`` farther than the face's first (nearest) claimant."""
    order = np.lexsort((face_idx, user_idx, distances))
    tagged: set[tuple[int, Hashable]] = set()
    nearest_on_face: dict[int, float] = {}
    kept: list[int] = []
    for k in order.tolist():
        u, f, d = int(user_idx[k]), int(face_idx[k]), float(distances[k])
        photo = photo_of_face[f]
        if (u, photo) in tagged:
            continue
        best = nearest_on_face.get(f)
        if best is not None and d > best + margin:
            continue
        tagged.add((u, photo))
        nearest_on_face.setdefault(f, d)
        kept.append(k)
    return kept


def assign_tags(
    user_ids: Sequence[Hashable],
    user_embeddings: npt.ArrayLike,
    face_ids: Sequence[Hashable],
    photo_ids: Sequence[Hashable],
    face_embeddings: npt.ArrayLike,
    threshold: float,
    margin: float = 0.0,
    chunk_size: int = DEFAULT_CHUNK,
) -> list[Tag]:
    """Tags for users (one row per selfie embedding; a user may repeat) against faces (one row per
    face with its photo). Give every user who might compete for the same photos (all members with
    an approved selfie) so the nearest-user rule can apply. Sorted by (user, photo)."""
    if not (len(face_ids) == len(photo_ids) == len(np.asarray(face_embeddings))):
        raise ValueError("face_ids, photo_ids and face_embeddings differ in length")
    users, u, f, d = _candidates(user_ids, user_embeddings, face_embeddings, threshold, chunk_size)
    kept = resolve(u, f, d, photo_ids, margin)
    tags = [Tag(users[u[k]], photo_ids[f[k]], face_ids[f[k]], float(d[k])) for k in kept]
    return sorted(tags, key=lambda t: (str(t.user_id), str(t.photo_id)))


def rematch_project(
    user_ids: Sequence[Hashable],
    user_embeddings: npt.ArrayLike,
    face_ids: Sequence[Hashable],
    photo_ids: Sequence[Hashable],
    face_embeddings: npt.ArrayLike,
    model: str,
    threshold: float | None = None,
    margin: float | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> list[Tag]:
    """Re-match a whole project (every member against every face) in one batched matrix
    computation, chunked over faces to bound memory; thresholds default to the model's."""
    return assign_tags(
        user_ids,
        user_embeddings,
        face_ids,
        photo_ids,
        face_embeddings,
        threshold=face_model(model).threshold if threshold is None else threshold,
        margin=face_model(model).margin if margin is None else margin,
        chunk_size=chunk_size,
    )


def photos_by_user(tags: Sequence[Tag]) -> dict[Hashable, set[Hashable]]:
    out: dict[Hashable, set[Hashable]] = {}
    for t in tags:
        out.setdefault(t.user_id, set()).add(t.photo_id)
    return out
