"""Precision / recall of "photos of me" from analysed photos and selfie embeddings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wairo_contracts.matching import assign_tags, photos_by_user


@dataclass(frozen=True, slots=True)
class PhotoFaces:
    key: str
    embeddings: npt.NDArray[np.float32]  # (n_faces, dim)
    boxes: list[tuple[float, float, float, float]]


@dataclass(frozen=True, slots=True)
class Score:
    threshold: float
    precision: float
    recall: float
    true_pos: int
    false_pos: int
    false_neg: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_tags(
    predicted: Mapping[str, set[str]],
    truth: Mapping[str, set[str]],
    threshold: float,
    keys: set[str] | None = None,
) -> Score:
    """Micro-averaged over persons: precision and recall of each enrolled person's photo set."""
    tp = fp = fn = 0
    for person, true_keys in truth.items():
        got = predicted.get(person, set())
        t = true_keys if keys is None else true_keys & keys
        g = got if keys is None else got & keys
        tp += len(g & t)
        fp += len(g - t)
        fn += len(t - g)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return Score(threshold, precision, recall, tp, fp, fn)


def evaluate(
    photos: Sequence[PhotoFaces],
    selfies: Mapping[str, npt.NDArray[np.float32]],
    truth: Mapping[str, set[str]],
    threshold: float,
    margin: float,
    keys: set[str] | None = None,
) -> Score:
    face_ids: list[int] = []
    photo_ids: list[str] = []
    vectors: list[npt.NDArray[np.float32]] = []
    for photo in photos:
        for emb in photo.embeddings:
            face_ids.append(len(face_ids))
            photo_ids.append(photo.key)
            vectors.append(emb)
    # One row per selfie embedding: a person with several is matched by the nearest.
    per_user = {u: np.atleast_2d(selfies[u]) for u in sorted(selfies)}
    users = [u for u, rows in per_user.items() for _ in rows]
    dim = next(iter(per_user.values())).shape[1] if per_user else 128
    faces = np.stack(vectors) if vectors else np.zeros((0, dim), np.float32)
    user_rows = np.concatenate(list(per_user.values())) if per_user else np.zeros((0, dim), np.float32)
    tags = assign_tags(users, user_rows, face_ids, photo_ids, faces, threshold, margin)
    predicted = {str(u): {str(p) for p in ps} for u, ps in photos_by_user(tags).items()}
    return score_tags(predicted, truth, threshold, keys)


def choose_threshold(scores: Sequence[Score], min_precision: float) -> Score:
    """Best recall among thresholds meeting ``min_precision`` (else the most precise)."""
    ok = [s for s in scores if s.precision >= min_precision]
    if ok:
        return max(ok, key=lambda s: (s.recall, s.precision))
    return max(scores, key=lambda s: (s.precision, s.recall))


SIZE_BUCKETS = {"30-40 px": (30, 40), "40-60 px": (40, 60), "60-100 px": (60, 100), "100-300 px": (100, 301)}
CONDITIONS = ("crowd", "motion_blur", "profile")
FEW_FACES = 30  # a bucket with fewer faces says so: too few to judge a model change by


@dataclass(frozen=True, slots=True)
class Placed:
    """A face the simulator put into a photo: its size, box and the conditions it met."""

    size_px: float
    box: tuple[float, float, float, float]
    conditions: frozenset[str]


def detection_by_bucket(
    photos: Sequence[PhotoFaces], placed: Mapping[str, Sequence[Placed]]
) -> dict[str, tuple[int, int]]:
    """Placed faces found (a detection's centre inside the placed face box) over those placed, by
    size bucket, by condition, and for faces that met none ("plain")."""
    out = {name: (0, 0) for name in [*SIZE_BUCKETS, *CONDITIONS, "plain"]}
    for photo in photos:
        centres = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in photo.boxes]
        for face in placed.get(photo.key, ()):
            x1, y1, x2, y2 = face.box
            hit = int(any(x1 <= x <= x2 and y1 <= y <= y2 for x, y in centres))
            names = [n for n, (lo, hi) in SIZE_BUCKETS.items() if lo <= face.size_px < hi]
            names += sorted(face.conditions) or ["plain"]
            for name in names:
                found, total = out[name]
                out[name] = (found + hit, total + 1)
    return out


def bucket_lines(buckets: Mapping[str, tuple[int, int]]) -> list[str]:
    """One line per bucket: found/total and recall, or why there is no figure."""
    lines = []
    for name, (found, total) in buckets.items():
        if total == 0:
            lines.append(f"  {name:<12} none placed")
            continue
        note = f"  (fewer than {FEW_FACES} faces: too few to judge)" if total < FEW_FACES else ""
        lines.append(f"  {name:<12} {found:5d}/{total:<5d} {found / total:6.3f}{note}")
    return lines
