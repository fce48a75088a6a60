"""When a selfie cannot be used: the selfie rejection reasons of the design, from the faces the
vision service found in it."""

from __future__ import annotations

from collections.abc import Sequence

from wairo_contracts.vision import QualityOut

MIN_SIZE_PX = 80.0
MIN_SHARPNESS = 30.0


def selfie_rejection_reason(
    qualities: Sequence[QualityOut], min_size_px: float = MIN_SIZE_PX, min_sharpness: float = MIN_SHARPNESS
) -> str | None:
    """Why a selfie cannot be used, or None: ``no_face``, ``several_faces``, ``too_small``,
    ``too_blurry``."""
    if not qualities:
        return "no_face"
    if len(qualities) > 1:
        biggest = sorted((q.size_px for q in qualities), reverse=True)
        # A small face in the background is tolerated; two similar faces are ambiguous.
        if biggest[1] > 0.5 * biggest[0]:
            return "several_faces"
    main = max(qualities, key=lambda q: q.size_px)
    if main.size_px < min_size_px:
        return "too_small"
    if main.sharpness < min_sharpness:
        return "too_blurry"
    return None
