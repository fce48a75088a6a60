import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bench.vision.accuracy import (
    PhotoFaces,
    Placed,
    Score,
    bucket_lines,
    choose_threshold,
    detection_by_bucket,
    evaluate,
    score_tags,
)
from bench.vision.simulator import HARD, SimConfig, build_event, read_labels, split_people


def make_faces_folder(root: Path, people: dict[str, int]) -> Path:
    """A labels.csv folder of plain drawn 'portraits' (no real faces needed: locate is faked)."""
    (root / "images").mkdir(parents=True)
    rows = []
    for i, (person, n) in enumerate(sorted(people.items())):
        for j in range(n):
            img = Image.new("RGB", (200, 240), (40 * i % 255, 90, 160))
            ImageDraw.Draw(img).ellipse((50, 50, 150, 170), fill=(220, 180, 150 - 10 * j))
            name = f"{person}-{j}.jpg"
            img.save(root / "images" / name)
            rows.append((name, person))
    with (root / "labels.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "person"])
        w.writerows(rows)
    return root


def fake_locate(img: np.ndarray) -> tuple[float, float, float, float]:
    return (60.0, 70.0, 140.0, 150.0)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_faces_folder(tmp_path_factory.mktemp("faces"), {"a": 3, "b": 2, "c": 4, "d": 2, "e": 1})


def test_read_labels(folder: Path):
    people = read_labels(folder)
    assert sorted(people) == ["a", "b", "c", "d", "e"]
    assert len(people["c"]) == 4
    with pytest.raises(FileNotFoundError):
        read_labels(folder / "images")


def test_ground_truth_is_consistent(folder: Path):
    cfg = SimConfig(photos=12, seed=3, photo_long_sides=(640,), people_per_photo=(2, 3))
    event = build_event(folder, fake_locate, cfg)
    assert len(event.photos) == 12
    # Distractors are never enrolled; a person with one portrait cannot be enrolled.
    assert not set(event.enrolled) & set(event.distractors)
    assert "e" in event.distractors
    assert set(event.selfies) == set(event.enrolled)
    truth = event.truth()
    for photo in event.photos:
        persons = [f.person for f in photo.faces]
        assert len(persons) == len(set(persons)), "a person appears at most once per photo"
        for face in photo.faces:
            assert cfg.min_face_px <= face.size_px <= cfg.max_face_px
            assert face.enrolled == (face.person in event.enrolled)
            x1, y1, x2, y2 = face.box
            assert -1 <= x1 < x2 <= photo.width + 1 and -1 <= y1 < y2 <= photo.height + 1
        with Image.open(__import__("io").BytesIO(photo.jpeg)) as img:
            assert img.format == "JPEG" and img.size == (photo.width, photo.height)
        for person in event.enrolled:
            assert (photo.key in truth[person]) == (person in photo.persons)


def test_selfie_is_kept_out_of_the_event(folder: Path):
    from bench.vision.simulator import locate_portraits

    portraits = locate_portraits(read_labels(folder), fake_locate)
    cfg = SimConfig(seed=5, second_selfie_min_portraits=3)
    selfies, event_portraits, distractors = split_people(portraits, cfg)
    for person, kept in selfies.items():
        assert {s.path for s in kept}.isdisjoint({p.path for p in event_portraits[person]})
        assert len({s.path for s in kept}) == len(kept) and len(event_portraits[person]) >= 1
        # a second selfie for those with enough portraits, still two or more left for the event
        assert len(kept) == (2 if len(portraits[person]) >= cfg.second_selfie_min_portraits else 1)
        assert person not in distractors
    for person in distractors:
        assert person not in selfies
    assert any(len(kept) == 2 for kept in selfies.values())


def test_scoring_counts_photos_per_person():
    truth = {"a": {"p1", "p2"}, "b": {"p3"}}
    s = score_tags({"a": {"p1", "p4"}, "b": {"p3"}}, truth, 0.1)
    assert (s.true_pos, s.false_pos, s.false_neg) == (2, 1, 1)
    assert s.precision == pytest.approx(2 / 3) and s.recall == pytest.approx(2 / 3)
    only = score_tags({"a": {"p1", "p4"}}, truth, 0.1, keys={"p1", "p2"})
    assert (only.true_pos, only.false_pos, only.false_neg) == (1, 0, 1)


def test_evaluate_and_choose_threshold():
    a = np.array([1, 0, 0], np.float32)
    b = np.array([0, 1, 0], np.float32)
    photos = [
        PhotoFaces("p1", np.stack([a, b]), [(0, 0, 1, 1)] * 2),
        PhotoFaces("p2", np.stack([b]), [(0, 0, 1, 1)]),
    ]
    s = evaluate(photos, {"a": a, "b": b}, {"a": {"p1"}, "b": {"p1", "p2"}}, threshold=0.1, margin=0.0)
    assert (s.precision, s.recall) == (1.0, 1.0)
    # Several selfies: the nearest counts, so a second one finds what the first missed.
    c = np.array([0, 0, 1], np.float32)
    photos.append(PhotoFaces("p3", np.stack([c]), [(0, 0, 1, 1)]))
    truth = {"a": {"p1", "p3"}, "b": {"p1", "p2"}}
    one = evaluate(photos, {"a": a, "b": b}, truth, threshold=0.1, margin=0.0)
    several = evaluate(photos, {"a": np.stack([a, c]), "b": b}, truth, threshold=0.1, margin=0.0)
    assert (one.recall, several.recall) == (0.75, 1.0) and several.precision == 1.0
    scores = [Score(0.1, 1.0, 0.5, 1, 0, 1), Score(0.2, 0.98, 0.9, 9, 0, 1), Score(0.3, 0.8, 1.0, 10, 3, 0)]
    assert choose_threshold(scores, 0.97).threshold == 0.2
    assert choose_threshold(scores, 1.01).threshold == 0.1


def test_hard_events_record_their_conditions(folder: Path):
    """HARD places crowds, small, smeared and turned faces and says which face met what; the default
    event meets none of them (and is drawn as before: the conditions draw nothing when off)."""
    plain = build_event(folder, fake_locate, SimConfig(photos=6, seed=3, photo_long_sides=(640,)))
    assert all(not f.conditions for p in plain.photos for f in p.faces)
    hard = build_event(folder, fake_locate, replace(HARD, photos=40, seed=3, photo_long_sides=(1280,)))
    met = {c for p in hard.photos for f in p.faces for c in f.conditions}
    assert met == {"crowd", "motion_blur", "profile"}
    for photo in hard.photos:
        crowd = {("crowd" in f.conditions) for f in photo.faces}
        assert len(crowd) <= 1  # a photo is a crowd for all its faces or for none
        for face in photo.faces:
            assert HARD.min_face_px <= face.size_px <= HARD.max_face_px
            if "profile" in face.conditions:  # squeezed sideways: narrower than tall
                x1, y1, x2, y2 = face.box
                assert (x2 - x1) < (y2 - y1)


def test_detection_by_bucket_counts_sizes_and_conditions():
    photos = [PhotoFaces("p", np.zeros((1, 3), np.float32), [(0, 0, 10, 10)])]
    placed = {
        "p": [
            Placed(35, (0, 0, 10, 10), frozenset({"crowd"})),  # found
            Placed(80, (50, 50, 60, 60), frozenset({"crowd", "profile"})),  # missed
            Placed(150, (100, 100, 110, 110), frozenset()),  # missed
        ]
    }
    buckets = detection_by_bucket(photos, placed)
    assert buckets["30-40 px"] == (1, 1) and buckets["60-100 px"] == (0, 1) and buckets["40-60 px"] == (0, 0)
    assert buckets["crowd"] == (1, 2) and buckets["profile"] == (0, 1) and buckets["plain"] == (0, 1)
    lines = bucket_lines(buckets)
    assert any("crowd" in line and "too few to judge" in line for line in lines)
    assert any("40-60 px" in line and "none placed" in line for line in lines)
