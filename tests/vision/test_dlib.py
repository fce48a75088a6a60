"""The dlib backend on real portraits from shared/faces."""

import csv
from pathlib import Path

import numpy as np
import pytest

from vision.config import VisionSettings
from vision.imaging import decode_image
from vision.models import UnknownBackendError, create_analyzer
from vision.models.dlib_backend import HOG_MIN_FACE_PX, DlibFaceAnalyzer, detection_scale
from wairo_contracts.faces import backend_model, face_model
from wairo_contracts.matching import cosine_distances


@pytest.fixture(scope="module")
def analyzer() -> DlibFaceAnalyzer:
    a = create_analyzer(VisionSettings(backend="dlib"))
    assert isinstance(a, DlibFaceAnalyzer)
    a.load()
    return a


def read(faces_dir: Path, name: str) -> np.ndarray:
    return decode_image((faces_dir / "images" / name).read_bytes())


def test_factory_rejects_unknown_backends():
    with pytest.raises(UnknownBackendError, match="unknown vision backend 'tensorflow'"):
        create_analyzer(VisionSettings(backend="tensorflow"))
    assert backend_model("dlib").dimension == 128


def test_models_load_lazily():
    a = DlibFaceAnalyzer()
    assert not a.detector.loaded and not a.recognizer.loaded
    a.detector.load()
    assert a.detector.loaded


def test_detection_scale_upsamples_small_and_downscales_big_photos():
    assert detection_scale(800, 1200, 40, 3072) == pytest.approx(HOG_MIN_FACE_PX / 40)
    big = detection_scale(4000, 6000, 40, 3072)
    assert big == pytest.approx(3072 / 6000)
    assert detection_scale(1000, 1000, 120, 3072) < 1.0


def test_group_photo_finds_its_six_faces(analyzer: DlibFaceAnalyzer, faces_dir: Path):
    faces = analyzer.analyze([read(faces_dir, "group-t1.jpg")])[0]
    assert 5 <= len(faces) <= 7
    for f in faces:
        assert f.model == "dlib-resnet-128"
        assert f.embedding.dtype == np.float32 and f.embedding.shape == (128,)
        assert np.linalg.norm(f.embedding) == pytest.approx(1.0, abs=1e-4)
        assert f.landmarks.shape == (5, 2)
        x1, y1, x2, y2 = f.box
        assert x1 <= f.landmarks[:, 0].mean() <= x2 and y1 <= f.landmarks[:, 1].mean() <= y2
        assert 0.0 <= f.quality.score <= 1.0 and f.quality.size_px > 40


def test_same_person_closer_than_different_persons(analyzer: DlibFaceAnalyzer, faces_dir: Path):
    with (faces_dir / "labels.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    # Two portraits of each of the first four persons.
    chosen: dict[str, list[str]] = {}
    for row in rows:
        if len(chosen.setdefault(row["person"], [])) < 2:
            chosen[row["person"]].append(row["file"])
    people = [p for p, files in chosen.items() if len(files) == 2][:4]
    emb, who = [], []
    for person in people:
        for name in chosen[person]:
            e = analyzer.embed_one(read(faces_dir, name))
            assert e is not None, name
            emb.append(e)
            who.append(person)
    d = cosine_distances(emb, emb)
    same = [d[i, j] for i in range(len(who)) for j in range(i + 1, len(who)) if who[i] == who[j]]
    diff = [d[i, j] for i in range(len(who)) for j in range(i + 1, len(who)) if who[i] != who[j]]
    assert max(same) < min(diff)
    assert max(same) <= face_model("dlib-resnet-128").threshold < min(diff)


def test_batch_equals_single(analyzer: DlibFaceAnalyzer, faces_dir: Path):
    a, b = read(faces_dir, "img1.jpg"), read(faces_dir, "couple.jpg")
    together = analyzer.analyze([a, b])
    alone = [analyzer.analyze([a])[0], analyzer.analyze([b])[0]]
    assert [len(x) for x in together] == [len(x) for x in alone] == [1, 2]
    for x, y in zip(together, alone, strict=True):
        for fx, fy in zip(x, y, strict=True):
            np.testing.assert_allclose(fx.embedding, fy.embedding, atol=1e-5)


def test_no_face_in_a_blank_image(analyzer: DlibFaceAnalyzer):
    assert analyzer.analyze([np.full((300, 400, 3), 127, np.uint8)]) == [[]]
    assert analyzer.embed_one(np.zeros((100, 100, 3), np.uint8)) is None
