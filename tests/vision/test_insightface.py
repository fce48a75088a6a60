"""The insightface backend against small generated ONNX graphs with buffalo_l's signatures."""

import math
from pathlib import Path

import numpy as np
import pytest

from vision.config import VisionSettings
from vision.models import ModelNotFoundError, create_analyzer
from vision.models.align import ARCFACE_TEMPLATE, align_face, estimate_similarity
from vision.models.insightface_backend import (
    ArcFaceRecognizer,
    InsightFaceAnalyzer,
    ScrfdDetector,
    anchor_centers,
    decode_scrfd,
    letterbox,
    nms,
)
from vision.models.session import OrtSession, select_providers
from vision.types import Detection

DET = 64  # small detector input for the tests


def square_image(h: int = 96, w: int = 128) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[32:64, 64:96] = 255  # one bright 'face' (network pixels 32..48 x 16..32 at det 64)
    return img


def test_missing_models_give_a_clear_error(tmp_path: Path):
    analyzer = create_analyzer(VisionSettings(backend="insightface", model_dir=tmp_path))
    with pytest.raises(ModelNotFoundError, match=r"det_10g\.onnx not found .*buffalo_l"):
        analyzer.load()
    with pytest.raises(ModelNotFoundError, match="WAIRO_VISION_MODEL_DIR"):
        create_analyzer(VisionSettings(backend="insightface")).load()


def test_provider_selection_falls_back_to_cpu():
    assert select_providers(["NoSuchProvider"]) == ["CPUExecutionProvider"]
    assert select_providers()[-1] == "CPUExecutionProvider"


def test_session_reports_signature(buffalo_dir: Path):
    s = OrtSession(buffalo_dir / "det_10g.onnx", ["CPUExecutionProvider"])
    assert s.input_names == ["input.1"]
    assert len(s.output_names) == 9
    assert s.active_providers == ["CPUExecutionProvider"]


def test_letterbox_keeps_aspect_and_normalises():
    lb = letterbox(square_image(), DET)
    assert lb.blob.shape == (3, DET, DET) and lb.blob.dtype == np.float32
    assert lb.scale == pytest.approx(0.5)
    assert lb.blob[:, 20, 40].min() > 0.99  # inside the white square
    assert lb.blob[:, 60, 10].max() < -0.99  # padding below the 48-row image
    assert lb.blob.min() >= -1.0 and lb.blob.max() <= 1.0


def test_anchor_centres_layout():
    c = anchor_centers(32, 32, 16)
    np.testing.assert_array_equal(c, [[0, 0], [0, 0], [16, 0], [16, 0], [0, 16], [0, 16], [16, 16], [16, 16]])


def test_decode_maps_distances_back_to_the_image(graphs):
    outputs = []
    counts = {s: (DET // s) ** 2 * 2 for s in (8, 16, 32)}
    scores = {s: np.zeros((n, 1), np.float32) for s, n in counts.items()}
    scores[16][2 * (1 * 4 + 2)] = 0.9  # stride 16, cell (x=2, y=1), first anchor: centre (32, 16)
    outputs += [scores[s] for s in (8, 16, 32)]
    outputs += [np.ones((n, 4), np.float32) for n in counts.values()]
    outputs += [np.tile(np.array(graphs.kps_offsets, np.float32), (n, 1)) for n in counts.values()]
    dets = decode_scrfd(outputs, DET, det_scale=0.5, score_threshold=0.5)
    assert len(dets) == 1
    d = dets[0]
    assert d.box == pytest.approx((32.0, 0.0, 96.0, 64.0))  # (32-16, 16-16, 32+16, 16+16) / 0.5
    assert d.score == pytest.approx(0.9)
    kx, ky = graphs.kps_offsets[:2]
    np.testing.assert_allclose(d.landmarks[0], [(32 + kx * 16) / 0.5, (16 + ky * 16) / 0.5])


def test_nms_drops_overlaps():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    assert nms(boxes, np.array([0.9, 0.8, 0.7], np.float32), 0.4) == [0, 2]
    assert nms(boxes, np.array([0.9, 0.8, 0.7], np.float32), 0.99) == [0, 1, 2]


def similarity(angle_deg: float, scale: float, tx: float, ty: float) -> np.ndarray:
    a = math.radians(angle_deg)
    return np.array(
        [[scale * math.cos(a), -scale * math.sin(a), tx], [scale * math.sin(a), scale * math.cos(a), ty]]
    )


def test_similarity_estimate_recovers_a_known_transform():
    m = similarity(20, 1.7, 30, -12)
    dst = ARCFACE_TEMPLATE @ m[:, :2].T + m[:, 2]
    np.testing.assert_allclose(estimate_similarity(ARCFACE_TEMPLATE, dst), m, atol=1e-9)
    with pytest.raises(ValueError):
        estimate_similarity(ARCFACE_TEMPLATE, dst[:3])


def test_alignment_puts_landmarks_on_the_template():
    m = similarity(-15, 2.0, 40, 25)
    landmarks = ARCFACE_TEMPLATE @ m[:, :2].T + m[:, 2]
    img = np.zeros((400, 400, 3), np.uint8)
    for x, y in landmarks:
        img[round(y) - 2 : round(y) + 3, round(x) - 2 : round(x) + 3] = 255
    chip = align_face(img, landmarks.astype(np.float32))
    assert chip.shape == (112, 112, 3)
    for x, y in ARCFACE_TEMPLATE:
        assert chip[round(y), round(x)].max() > 100  # each dot lands on its template point


def test_detector_runs_the_graph_batched_and_unbatched(buffalo_dir: Path, tmp_path: Path, graphs):
    batched = ScrfdDetector(buffalo_dir, det_size=DET, providers=["CPUExecutionProvider"])
    single_dir = tmp_path / "single"
    single_dir.mkdir()
    graphs.make_scrfd(single_dir / "det_10g.onnx", batched=False)
    single = ScrfdDetector(single_dir, det_size=DET, providers=["CPUExecutionProvider"])
    images = [square_image(), np.zeros((50, 80, 3), np.uint8), square_image()]
    for det in (batched, single):
        out = det.predict(images)
        assert det.batched == (det is batched)
        assert len(out) == 3 and out[1] == []
        for dets in (out[0], out[2]):
            assert dets
            for d in dets:
                cx, cy = (d.box[0] + d.box[2]) / 2, (d.box[1] + d.box[3]) / 2
                assert 56 <= cx <= 104 and 24 <= cy <= 72 and d.score > 0.5
    assert [d.box for d in batched.predict(images)[0]] == [d.box for d in single.predict(images)[0]]


def detections(n: int) -> list[Detection]:
    rng = np.random.default_rng(n)
    out = []
    for _ in range(n):
        m = similarity(rng.uniform(-20, 20), rng.uniform(0.8, 1.5), rng.uniform(0, 60), rng.uniform(0, 60))
        lm = (ARCFACE_TEMPLATE @ m[:, :2].T + m[:, 2]).astype(np.float32)
        out.append(Detection(box=(0, 0, 100, 100), landmarks=lm, score=0.9))
    return out


def test_embedding_batches_are_consistent_and_normalised(buffalo_dir: Path, tmp_path: Path, graphs):
    img = np.random.default_rng(1).integers(0, 255, (240, 240, 3), dtype=np.uint8)
    inputs = [(img, detections(5)), (img, []), (img, detections(2))]
    small = ArcFaceRecognizer(buffalo_dir, batch_size=2, providers=["CPUExecutionProvider"])
    big = ArcFaceRecognizer(buffalo_dir, batch_size=64, providers=["CPUExecutionProvider"])
    chips, a = small.predict(inputs)
    _, b = big.predict(inputs)
    assert len(chips) == 7 and a.shape == (7, 512) and a.dtype == np.float32
    np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    # A fixed-batch export (batch 4) gets padded batches; results are the same.
    fixed_dir = tmp_path / "fixed"
    fixed_dir.mkdir()
    graphs.make_arcface(fixed_dir / "w600k_r50.onnx", batch=4)
    fixed = ArcFaceRecognizer(fixed_dir, batch_size=64, providers=["CPUExecutionProvider"])
    _, c = fixed.predict(inputs)
    assert fixed.batch_size == 4
    np.testing.assert_allclose(a, c, atol=1e-5)
    assert small.predict([(img, [])])[1].shape == (0, 512)


def test_analyzer_end_to_end(buffalo_dir: Path):
    analyzer = create_analyzer(
        VisionSettings(
            backend="insightface", model_dir=buffalo_dir, det_size=DET, providers=["CPUExecutionProvider"]
        )
    )
    assert isinstance(analyzer, InsightFaceAnalyzer)
    analyzer.load()
    faces = analyzer.analyze([square_image(), np.zeros((40, 40, 3), np.uint8)])
    assert faces[1] == [] and faces[0]
    for f in faces[0]:
        assert f.model == "arcface-512" and f.embedding.shape == (512,)
        assert f.landmarks.shape == (5, 2) and 0.0 <= f.quality.score <= 1.0


@pytest.mark.skipif(
    "CUDAExecutionProvider" not in __import__("onnxruntime").get_available_providers(),
    reason="no CUDA execution provider (GPU) on this machine",
)
def test_cuda_provider_is_used_when_present(buffalo_dir: Path):
    det = ScrfdDetector(buffalo_dir, det_size=DET)
    det.load()
    assert det.session is not None and det.session.active_providers[0] == "CUDAExecutionProvider"
