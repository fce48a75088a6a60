"""Face quality: size, sharpness and detector confidence folded into one score."""

from __future__ import annotations

import numpy as np

from vision.types import Detection, FaceQuality, ImageArray

# Sizes and sharpness at which a face counts as fully usable (quality component 1.0).
GOOD_SIZE_PX = 112.0
GOOD_SHARPNESS = 150.0


# ITU-R BT.601 luma weights in thousandths: integer weights keep the grey image and its Laplacian
# exact for 8-bit input (no rounding that depends on the CPU's BLAS kernel or summation order).
_LUMA_WEIGHTS = (299, 587, 114)
_LUMA_SCALE = 1000


def laplacian_variance(grey: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian: a cheap, scale-sensitive sharpness measure.

    Computed in float64 on integer-weighted luma, so a constant image gives exactly 0 on every CPU."""
    g = np.asarray(grey, dtype=np.float64)
    if g.ndim == 3:
        r, gr, b = _LUMA_WEIGHTS
        g = (g[..., 0] * r + g[..., 1] * gr + g[..., 2] * b) / _LUMA_SCALE
    if g.shape[0] < 3 or g.shape[1] < 3:
        return 0.0
    lap = (g[1:-1, :-2] + g[1:-1, 2:]) + (g[:-2, 1:-1] + g[2:, 1:-1]) - 4.0 * g[1:-1, 1:-1]
    return float(lap.var())


def face_quality(det: Detection, aligned_chip: ImageArray, det_score_scale: float = 1.0) -> FaceQuality:
    """Quality of one face. ``aligned_chip`` is the fixed-size aligned crop (so sharpness is comparable
    across faces); ``det_score_scale`` maps the detector's score to about 0..1."""
    x1, y1, x2, y2 = det.box
    size = float(min(x2 - x1, y2 - y1))
    sharp = laplacian_variance(aligned_chip)
    size_q = min(1.0, max(0.0, size / GOOD_SIZE_PX))
    sharp_q = min(1.0, sharp / GOOD_SHARPNESS)
    det_q = min(1.0, max(0.0, det.score * det_score_scale))
    score = float((size_q * sharp_q * det_q) ** (1.0 / 3.0))
    return FaceQuality(size_px=size, sharpness=sharp, detector_score=det.score, score=score)
