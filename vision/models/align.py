"""5-point similarity alignment to the ArcFace 112x112 template (numpy least squares + PIL affine)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from vision.types import FloatArray, ImageArray

# insightface's arcface_dst: left eye, right eye, nose tip, left mouth corner, right mouth corner.
ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)


def estimate_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (rotation, uniform scale, translation) mapping ``src`` onto ``dst``.

    Returns the 2x3 matrix ``[[a, -b, tx], [b, a, ty]]`` with ``dst ~ M @ [x, y, 1]``.
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 2:
        raise ValueError("need matching (N>=2, 2) point sets")
    n = len(src)
    a = np.zeros((2 * n, 4))
    a[0::2] = np.column_stack([src[:, 0], -src[:, 1], np.ones(n), np.zeros(n)])
    a[1::2] = np.column_stack([src[:, 1], src[:, 0], np.zeros(n), np.ones(n)])
    (ca, cb, tx, ty), *_ = np.linalg.lstsq(a, dst.reshape(-1), rcond=None)
    return np.array([[ca, -cb, tx], [cb, ca, ty]])


def align_face(image: ImageArray, landmarks: FloatArray, size: int = 112) -> ImageArray:
    """Warp the face so its 5 landmarks land on the ArcFace template (scaled to ``size``)."""
    template = ARCFACE_TEMPLATE * (size / 112.0)
    # PIL's AFFINE maps *output* pixels to *input* pixels: estimate template -> landmarks directly.
    inv = estimate_similarity(template, np.asarray(landmarks, dtype=np.float64))
    data = (inv[0, 0], inv[0, 1], inv[0, 2], inv[1, 0], inv[1, 1], inv[1, 2])
    warped = Image.fromarray(image).transform(
        (size, size), Image.Transform.AFFINE, data, resample=Image.Resampling.BILINEAR
    )
    return np.asarray(warped)
