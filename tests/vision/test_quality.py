import numpy as np
from PIL import Image, ImageFilter

from api.processing.selfie_rules import selfie_rejection_reason
from vision.quality import face_quality, laplacian_variance
from vision.types import Detection
from wairo_contracts.vision import QualityOut


def checkerboard(size: int = 64, cell: int = 4) -> np.ndarray:
    y, x = np.mgrid[:size, :size]
    return ((((x // cell) + (y // cell)) % 2) * 255).astype(np.uint8)


def test_sharpness_drops_with_blur():
    sharp = checkerboard()
    blurred = np.asarray(Image.fromarray(sharp).filter(ImageFilter.GaussianBlur(2)))
    assert laplacian_variance(sharp) > 5 * laplacian_variance(blurred)
    assert laplacian_variance(np.full((32, 32), 128, np.uint8)) == 0.0
    assert laplacian_variance(np.zeros((2, 2), np.uint8)) == 0.0


def test_constant_image_has_exactly_zero_sharpness():
    # Exact on every CPU: no BLAS kernel or summation order may leave a rounding residue.
    for colour in [(90, 90, 90), (17, 200, 3), (255, 1, 254), (0, 0, 0)]:
        assert laplacian_variance(np.full((150, 150, 3), colour, np.uint8)) == 0.0
    assert laplacian_variance(np.full((97, 131, 3), 0.1234567, np.float32)) == 0.0


def test_sharpness_accepts_rgb():
    rgb = np.stack([checkerboard()] * 3, axis=-1)
    assert laplacian_variance(rgb) > 0


def det(size: float, score: float) -> Detection:
    return Detection(
        box=(10.0, 10.0, 10.0 + size, 10.0 + size), landmarks=np.zeros((5, 2), np.float32), score=score
    )


def test_quality_combines_size_sharpness_and_score():
    chip = np.stack([checkerboard(150)] * 3, axis=-1)
    good = face_quality(det(200, 1.0), chip)
    small = face_quality(det(30, 1.0), chip)
    unsure = face_quality(det(200, 0.2), chip)
    blurry = face_quality(det(200, 1.0), np.full((150, 150, 3), 90, np.uint8))
    assert good.score == 1.0
    assert good.size_px == 200 and good.detector_score == 1.0
    assert small.score < good.score and unsure.score < good.score
    assert blurry.score == 0.0
    for q in (good, small, unsure, blurry):
        assert 0.0 <= q.score <= 1.0


def q(size: float, sharp: float = 500.0) -> QualityOut:
    return QualityOut(size_px=size, sharpness=sharp, detector_score=1.0, score=1.0)


def test_selfie_rejection_reasons():
    assert selfie_rejection_reason([]) == "no_face"
    assert selfie_rejection_reason([q(200), q(180)]) == "several_faces"
    assert selfie_rejection_reason([q(200), q(40)]) is None  # a small face in the background is fine
    assert selfie_rejection_reason([q(50)]) == "too_small"
    assert selfie_rejection_reason([q(200, sharp=5)]) == "too_blurry"
    assert selfie_rejection_reason([q(200)]) is None
