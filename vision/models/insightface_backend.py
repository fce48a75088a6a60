"""The ``insightface`` backend (GPU capable): SCRFD detection + ArcFace embedding through onnxruntime.

Models come from a directory the platform operator provides, in the ``buffalo_l`` layout
(``det_10g.onnx``, ``w600k_r50.onnx``). Those weights are licensed by insightface for
non-commercial research only (see vision/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from vision.batching import pad_batch
from vision.models.align import align_face
from vision.models.base import FaceAnalyzer, InferenceModel, ModelNotFoundError, RecognizerInput
from vision.models.dlib_backend import assemble_faces
from vision.models.session import DEFAULT_PROVIDERS, OrtSession
from vision.types import Detection, Face, FloatArray, ImageArray
from wairo_contracts.faces import backend_model

DETECTOR_FILE = "det_10g.onnx"
RECOGNIZER_FILE = "w600k_r50.onnx"
MODEL = backend_model("insightface")
STRIDES = (8, 16, 32)
NUM_ANCHORS = 2


def require_model(model_dir: Path | None, filename: str) -> Path:
    if model_dir is None:
        raise ModelNotFoundError(
            "insightface backend needs WAIRO_VISION_MODEL_DIR: a folder in the buffalo_l layout "
            f"holding {DETECTOR_FILE} and {RECOGNIZER_FILE}"
        )
    path = Path(model_dir) / filename
    if not path.is_file():
        raise ModelNotFoundError(
            f"insightface model {filename} not found in {model_dir} (expected the buffalo_l layout: "
            f"{DETECTOR_FILE}, {RECOGNIZER_FILE}); these weights are not shipped with Wairo"
        )
    return path


# --------------------------------------------------------------------------- SCRFD pre/post


@dataclass(frozen=True, slots=True)
class Letterbox:
    blob: FloatArray  # (3, S, S) normalised
    scale: float  # original -> network pixels


def letterbox(image: ImageArray, size: int) -> Letterbox:
    """Resize keeping aspect into the top-left of a ``size`` square; normalise like SCRFD
    ((x - 127.5) / 128, RGB, CHW)."""
    h, w = image.shape[:2]
    scale = min(size / h, size / w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    canvas = np.zeros((size, size, 3), dtype=np.uint8)
    canvas[:nh, :nw] = np.asarray(Image.fromarray(image).resize((nw, nh), Image.Resampling.BILINEAR))
    blob = (canvas.astype(np.float32) - 127.5) / 128.0
    return Letterbox(blob=np.ascontiguousarray(blob.transpose(2, 0, 1)), scale=scale)


def anchor_centers(height: int, width: int, stride: int, num_anchors: int = NUM_ANCHORS) -> FloatArray:
    """(H/s * W/s * A, 2) anchor centres in network pixels, row-major, anchors repeated per cell."""
    fh, fw = height // stride, width // stride
    ys, xs = np.mgrid[:fh, :fw]
    centers = (np.stack([xs, ys], axis=-1).reshape(-1, 2) * stride).astype(np.float32)
    return np.repeat(centers, num_anchors, axis=0) if num_anchors > 1 else centers


def distance2bbox(centers: FloatArray, dist: FloatArray) -> FloatArray:
    return np.concatenate([centers - dist[:, :2], centers + dist[:, 2:4]], axis=1)


def distance2kps(centers: FloatArray, dist: FloatArray) -> FloatArray:
    n = dist.shape[1] // 2
    return (np.tile(centers, (1, n)) + dist).reshape(len(centers), n, 2)


def nms(boxes: FloatArray, scores: FloatArray, threshold: float) -> list[int]:
    """Greedy IoU non-maximum suppression; returns kept indices by descending score."""
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = scores.argsort()[::-1]
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        xx1 = np.maximum(x1[i], x1[order[1:]])
        yy1 = np.maximum(y1[i], y1[order[1:]])
        xx2 = np.minimum(x2[i], x2[order[1:]])
        yy2 = np.minimum(y2[i], y2[order[1:]])
        inter = np.maximum(0.0, xx2 - xx1 + 1) * np.maximum(0.0, yy2 - yy1 + 1)
        iou = inter / (areas[i] + areas[order[1:]] - inter)
        order = order[1:][iou <= threshold]
    return keep


def decode_scrfd(
    outputs: Sequence[np.ndarray],
    input_size: int,
    det_scale: float,
    score_threshold: float = 0.5,
    nms_threshold: float = 0.4,
    image_shape: tuple[int, int] | None = None,
) -> list[Detection]:
    """Decode one image's SCRFD outputs (scores x3, boxes x3, keypoints x3; batch axis removed)."""
    fmc = len(STRIDES)
    all_scores, all_boxes, all_kps = [], [], []
    for idx, stride in enumerate(STRIDES):
        scores = outputs[idx].reshape(-1)
        boxes = outputs[idx + fmc].reshape(-1, 4) * stride
        centers = anchor_centers(input_size, input_size, stride)
        if len(centers) != len(scores):
            raise ValueError(f"stride {stride}: {len(scores)} scores for {len(centers)} anchors")
        pos = np.where(scores >= score_threshold)[0]
        all_scores.append(scores[pos])
        all_boxes.append(distance2bbox(centers[pos], boxes[pos]))
        if len(outputs) >= 3 * fmc:
            kps = outputs[idx + 2 * fmc].reshape(len(scores), -1) * stride
            all_kps.append(distance2kps(centers[pos], kps[pos]))
        else:
            all_kps.append(np.zeros((len(pos), 5, 2), dtype=np.float32))
    scores = np.concatenate(all_scores).astype(np.float32)
    if scores.size == 0:
        return []
    boxes = np.concatenate(all_boxes) / det_scale
    kps = np.concatenate(all_kps) / det_scale
    keep = nms(boxes, scores, nms_threshold)
    out: list[Detection] = []
    for i in keep:
        x1, y1, x2, y2 = (float(v) for v in boxes[i])
        if image_shape is not None:
            h, w = image_shape
            x1, y1, x2, y2 = max(0.0, x1), max(0.0, y1), min(float(w), x2), min(float(h), y2)
        out.append(
            Detection(box=(x1, y1, x2, y2), landmarks=kps[i].astype(np.float32), score=float(scores[i]))
        )
    return out


# --------------------------------------------------------------------------- models


@dataclass(frozen=True, slots=True)
class _ScrfdPrepared:
    blobs: FloatArray  # (B, 3, S, S)
    scales: list[float]
    shapes: list[tuple[int, int]]


class ScrfdDetector(InferenceModel[Sequence[ImageArray], _ScrfdPrepared, list[list[Detection]]]):
    model_name = "scrfd-10g"

    def __init__(
        self,
        model_dir: Path | None,
        det_size: int = 640,
        score_threshold: float = 0.5,
        nms_threshold: float = 0.4,
        providers: Sequence[str] = DEFAULT_PROVIDERS,
        intra_op_threads: int = 0,
    ) -> None:
        super().__init__(model_dir)
        self.det_size = det_size
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self.providers = list(providers)
        self.intra_op_threads = intra_op_threads
        self.session: OrtSession | None = None
        self.batched = False

    def _load(self) -> None:
        self.session = OrtSession(
            require_model(self.model_dir, DETECTOR_FILE), self.providers, self.intra_op_threads
        )
        if len(self.session.output_names) not in (6, 9):
            raise ValueError(
                f"{DETECTOR_FILE}: expected 6 or 9 outputs, got {len(self.session.output_names)}"
            )
        # Batched exports have (B, N, C) outputs; the stock det_10g has (N, C) and takes one image.
        self.batched = len(self.session.output_shapes[0]) == 3

    def transform(self, inputs: Sequence[ImageArray]) -> _ScrfdPrepared:
        boxes = [letterbox(img, self.det_size) for img in inputs]
        blobs = (
            np.stack([b.blob for b in boxes])
            if boxes
            else np.zeros((0, 3, self.det_size, self.det_size), np.float32)
        )
        return _ScrfdPrepared(
            blobs=blobs, scales=[b.scale for b in boxes], shapes=[img.shape[:2] for img in inputs]
        )

    def _predict(self, prepared: _ScrfdPrepared) -> list[list[Detection]]:
        assert self.session is not None
        name = self.session.input_names[0]
        n = len(prepared.blobs)
        per_image: list[list[np.ndarray]] = []
        if self.batched and n:
            outs = self.session.run({name: prepared.blobs})
            per_image = [[o[i] for o in outs] for i in range(n)]
        else:
            per_image = [self.session.run({name: prepared.blobs[i : i + 1]}) for i in range(n)]
        return [
            decode_scrfd(
                outs,
                self.det_size,
                prepared.scales[i],
                self.score_threshold,
                self.nms_threshold,
                prepared.shapes[i],
            )
            for i, outs in enumerate(per_image)
        ]


@dataclass(frozen=True, slots=True)
class _ArcPrepared:
    chips: list[ImageArray]
    blobs: FloatArray  # (N, 3, 112, 112)


class ArcFaceRecognizer(InferenceModel[RecognizerInput, _ArcPrepared, tuple[list[ImageArray], FloatArray]]):
    model_name = MODEL.name

    def __init__(
        self,
        model_dir: Path | None,
        batch_size: int = 32,
        providers: Sequence[str] = DEFAULT_PROVIDERS,
        intra_op_threads: int = 0,
    ) -> None:
        super().__init__(model_dir)
        self.batch_size = batch_size
        self.providers = list(providers)
        self.intra_op_threads = intra_op_threads
        self.session: OrtSession | None = None
        self.embedding_dim = MODEL.dimension

    def _load(self) -> None:
        self.session = OrtSession(
            require_model(self.model_dir, RECOGNIZER_FILE), self.providers, self.intra_op_threads
        )
        dim = self.session.output_shapes[0][-1]
        if isinstance(dim, int):
            self.embedding_dim = dim
        batch_dim = self.session.input_shapes[0][0]
        if isinstance(batch_dim, int) and batch_dim > 0:  # fixed-batch export
            self.batch_size = batch_dim

    def transform(self, inputs: RecognizerInput) -> _ArcPrepared:
        chips = [align_face(image, det.landmarks, 112) for image, dets in inputs for det in dets]
        if not chips:
            return _ArcPrepared(chips=[], blobs=np.zeros((0, 3, 112, 112), np.float32))
        arr = (np.stack(chips).astype(np.float32) - 127.5) / 127.5
        return _ArcPrepared(chips=chips, blobs=np.ascontiguousarray(arr.transpose(0, 3, 1, 2)))

    def _predict(self, prepared: _ArcPrepared) -> tuple[list[ImageArray], FloatArray]:
        assert self.session is not None
        if not prepared.chips:
            return [], np.zeros((0, self.embedding_dim), dtype=np.float32)
        name = self.session.input_names[0]
        parts: list[np.ndarray] = []
        for start in range(0, len(prepared.blobs), self.batch_size):
            batch = prepared.blobs[start : start + self.batch_size]
            n = len(batch)
            if self._fixed_batch:
                batch, n = pad_batch(batch, self.batch_size)
            parts.append(self.session.run({name: batch})[0][:n])
        emb = np.concatenate(parts).astype(np.float32).reshape(len(prepared.blobs), -1)
        emb /= np.linalg.norm(emb, axis=1, keepdims=True) + 1e-12
        return prepared.chips, emb

    @property
    def _fixed_batch(self) -> bool:
        assert self.session is not None
        batch_dim = self.session.input_shapes[0][0]
        return isinstance(batch_dim, int) and batch_dim > 0


class InsightFaceAnalyzer(FaceAnalyzer):
    backend = "insightface"
    model_name = MODEL.name
    embedding_dim = MODEL.dimension

    def __init__(
        self,
        model_dir: Path | None,
        det_size: int = 640,
        score_threshold: float = 0.5,
        nms_threshold: float = 0.4,
        embed_batch_size: int = 32,
        providers: Sequence[str] = DEFAULT_PROVIDERS,
        intra_op_threads: int = 0,
    ) -> None:
        self.detector = ScrfdDetector(
            model_dir, det_size, score_threshold, nms_threshold, providers, intra_op_threads
        )
        self.recognizer = ArcFaceRecognizer(model_dir, embed_batch_size, providers, intra_op_threads)

    def load(self) -> None:
        self.detector.load()
        self.recognizer.load()
        self.embedding_dim = self.recognizer.embedding_dim

    def analyze(self, images: Sequence[ImageArray]) -> list[list[Face]]:
        detections = self.detector.predict(images)
        chips, emb = self.recognizer.predict(list(zip(images, detections, strict=True)))
        return assemble_faces(detections, chips, emb, self.model_name)
