"""Synthetic event photos from labelled portraits, with ground truth.

Any folder with ``labels.csv`` (``file,person``) and the images next to it (or in ``images/``)
works. One portrait per enrolled person is kept aside as that person's selfie; a share of the
persons is never enrolled and only appears as distractor faces. Each photo pastes several people
(each at most once) cut from their other portraits onto a synthetic background, with the face
scaled to 40-300 px, rotated, blurred, re-lit, and the photo JPEG-compressed at varying quality.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

Box = tuple[float, float, float, float]
Locate = Callable[[np.ndarray], Box | None]


@dataclass(frozen=True, slots=True)
class SimConfig:
    photos: int = 300
    seed: int = 7
    min_face_px: int = 40
    max_face_px: int = 300
    people_per_photo: tuple[int, int] = (2, 5)
    distractor_share: float = 0.3  # share of persons never enrolled (at least one)
    max_rotation_deg: float = 12.0
    max_blur_px: float = 1.2  # Gaussian radius at the face's scale
    brightness: tuple[float, float] = (0.6, 1.3)
    contrast: tuple[float, float] = (0.75, 1.2)
    jpeg_quality: tuple[int, int] = (55, 95)
    photo_long_sides: tuple[int, ...] = (1280, 1600, 1920)
    # An enrolled person with at least this many portraits keeps a second one aside as a second
    # selfie (attendees may keep three), still leaving two or more for the event.
    second_selfie_min_portraits: int = 4
    # Harder events (`HARD`): crowd photos, motion blur, turned heads; each placed face records which
    # of these it met, so recall can be reported per condition.
    crowd_share: float = 0.0  # share of photos that are crowds
    crowd_size: tuple[int, int] = (10, 20)
    motion_blur_share: float = 0.0  # share of faces smeared along a random direction
    motion_blur_px: tuple[int, int] = (4, 12)
    profile_share: float = 0.0  # share of faces turned away (see `_turn`)
    profile_squeeze: tuple[float, float] = (0.5, 0.7)


# Crowds of 10-20, faces from 30 px, motion blur and turned heads on a sixth of the faces each.
HARD = SimConfig(min_face_px=30, crowd_share=0.25, motion_blur_share=0.15, profile_share=0.15)


@dataclass(frozen=True, slots=True, eq=False)
class Portrait:
    path: Path
    person: str
    face_box: Box  # in ``head``'s pixels
    head: Image.Image  # head-and-shoulders crop, face box at most HEAD_FACE_PX wide


HEAD_FACE_PX = 320  # at least the largest face we paste, so pasting mostly downscales


@dataclass(frozen=True, slots=True)
class PlacedFace:
    person: str
    box: Box  # where the face box landed in the photo (approximate after rotation)
    size_px: float
    enrolled: bool
    conditions: frozenset[str] = frozenset()  # of "crowd", "motion_blur", "profile"


@dataclass(slots=True)
class EventPhoto:
    key: str
    jpeg: bytes
    width: int
    height: int
    faces: list[PlacedFace] = field(default_factory=list)

    @property
    def persons(self) -> set[str]:
        return {f.person for f in self.faces}

    @property
    def enrolled_persons(self) -> set[str]:
        return {f.person for f in self.faces if f.enrolled}


@dataclass(slots=True)
class Event:
    photos: list[EventPhoto]
    selfies: dict[str, list[Path]]  # enrolled person -> selfie portraits (one or two)
    enrolled: list[str]
    distractors: list[str]

    def truth(self) -> dict[str, set[str]]:
        """Enrolled person -> keys of the photos they are in."""
        out: dict[str, set[str]] = {p: set() for p in self.enrolled}
        for photo in self.photos:
            for person in photo.enrolled_persons:
                out[person].add(photo.key)
        return out


def read_labels(faces_dir: Path) -> dict[str, list[Path]]:
    """Person -> portrait paths, from ``labels.csv`` (images beside it or in ``images/``)."""
    labels = faces_dir / "labels.csv"
    if not labels.is_file():
        raise FileNotFoundError(f"{labels} not found (need a folder with labels.csv: file,person)")
    image_dir = faces_dir / "images" if (faces_dir / "images").is_dir() else faces_dir
    people: dict[str, list[Path]] = {}
    with labels.open(newline="") as fh:
        for row in csv.DictReader(fh):
            path = image_dir / row["file"]
            if path.is_file():
                people.setdefault(row["person"], []).append(path)
    return {p: sorted(v) for p, v in sorted(people.items())}


def load_rgb(path: Path) -> Image.Image:
    with Image.open(path) as img:
        return ImageOps.exif_transpose(img).convert("RGB")


def locate_portraits(people: dict[str, list[Path]], locate: Locate) -> dict[str, list[Portrait]]:
    """The face box of every portrait (the largest face); portraits without a face are dropped."""
    out: dict[str, list[Portrait]] = {}
    for person, paths in people.items():
        for path in paths:
            img = load_rgb(path)
            box = locate(np.asarray(img))
            if box is not None:
                out.setdefault(person, []).append(_head_crop(path, person, img, box))
    return out


def _head_crop(path: Path, person: str, img: Image.Image, box: Box) -> Portrait:
    x1, y1, x2, y2 = box
    bw, bh = x2 - x1, y2 - y1
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    crop = (round(cx - 1.0 * bw), round(cy - 1.15 * bh), round(cx + 1.0 * bw), round(cy + 1.25 * bh))
    head = img.crop(crop)  # pads with black outside the portrait
    valid = Image.new("L", img.size, 255).crop(crop)
    scale = min(1.0, HEAD_FACE_PX / bw)
    if scale < 1.0:
        size = (round(head.width * scale), round(head.height * scale))
        head = head.resize(size, Image.Resampling.LANCZOS)
        valid = valid.resize(size, Image.Resampling.NEAREST)
    head.putalpha(valid)  # alpha marks pixels that exist in the portrait
    fx1, fy1 = (x1 - crop[0]) * scale, (y1 - crop[1]) * scale
    return Portrait(path, person, (fx1, fy1, fx1 + bw * scale, fy1 + bh * scale), head)


def _background(rng: random.Random, width: int, height: int) -> Image.Image:
    """A venue-ish background: colour gradient, low-frequency texture and some blurred shapes
    (drawn at a quarter of the size and upscaled: it is out of focus anyway)."""
    w, h = max(8, width // 4), max(8, height // 4)
    nprng = np.random.default_rng(rng.getrandbits(32))
    top = np.array([rng.randint(20, 230) for _ in range(3)], dtype=np.float32)
    bottom = np.array([rng.randint(20, 230) for _ in range(3)], dtype=np.float32)
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    grad = top * (1 - t) + bottom * t
    noise = nprng.normal(0, 12, (max(2, h // 24), max(2, w // 24), 1)).repeat(3, axis=2)
    tex = np.asarray(
        Image.fromarray(np.clip(noise + 128, 0, 255).astype(np.uint8), "RGB").resize(
            (w, h), Image.Resampling.BICUBIC
        ),
        dtype=np.float32,
    )
    arr = np.clip(grad + (tex - 128), 0, 255).astype(np.uint8)
    img = Image.fromarray(np.broadcast_to(arr, (h, w, 3)).copy())
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(4, 12)):
        x0, y0 = rng.randint(0, w), rng.randint(0, h)
        x1, y1 = x0 + rng.randint(10, w // 3), y0 + rng.randint(10, h // 3)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        (draw.rectangle if rng.random() < 0.5 else draw.ellipse)((x0, y0, x1, y1), fill=colour)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.25, 1.0)))
    return img.resize((width, height), Image.Resampling.BILINEAR)


def _smear(region: Image.Image, length: int, angle: float) -> Image.Image:
    """Motion blur: the mean of `length` copies shifted one pixel apart along `angle`."""
    arr = np.asarray(region, dtype=np.float32)
    out = np.zeros_like(arr)
    dx, dy = math.cos(angle), math.sin(angle)
    for i in range(length):
        shift = i - (length - 1) / 2
        out += np.roll(arr, (round(shift * dy), round(shift * dx)), axis=(0, 1))
    return Image.fromarray(np.clip(out / length, 0, 255).astype(np.uint8))


def _face_patch(
    rng: random.Random,
    cfg: SimConfig,
    portrait: Portrait,
    size: float,
    conditions: frozenset[str] = frozenset(),
) -> tuple[Image.Image, Image.Image, Box]:
    """Cut head and shoulders around the face, scale the face box to ``size`` px, rotate, re-light,
    blur (and smear or turn it under those conditions). Returns (patch, alpha mask, face box inside
    the patch). A turned head is a stated approximation: the frontal portrait squeezed sideways
    (the foreshortening of a head turned 45-60 degrees), not a true profile."""
    x1, y1, x2, y2 = portrait.face_box
    bw, bh = x2 - x1, y2 - y1
    scale = size / bw
    head = portrait.head
    squeeze = rng.uniform(*cfg.profile_squeeze) if "profile" in conditions else 1.0
    new_size = (max(8, round(head.width * scale * squeeze)), max(8, round(head.height * scale)))
    head = head.resize(new_size, Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC)
    region, valid = head.convert("RGB"), head.getchannel("A")
    region = ImageEnhance.Brightness(region).enhance(rng.uniform(*cfg.brightness))
    region = ImageEnhance.Contrast(region).enhance(rng.uniform(*cfg.contrast))
    tint = np.array([rng.uniform(0.9, 1.1) for _ in range(3)], dtype=np.float32)
    region = Image.fromarray(np.clip(np.asarray(region, dtype=np.float32) * tint, 0, 255).astype(np.uint8))
    blur = rng.uniform(0.0, cfg.max_blur_px)
    if blur > 0.15:
        region = region.filter(ImageFilter.GaussianBlur(blur))
    if "motion_blur" in conditions:
        region = _smear(region, rng.randint(*cfg.motion_blur_px), rng.uniform(0, math.pi))
    # Soft elliptical mask inside the portrait's valid area.
    mask = Image.new("L", region.size, 0)
    w, h = region.size
    ImageDraw.Draw(mask).ellipse((0.06 * w, 0.02 * h, 0.94 * w, 0.99 * h), fill=255)
    mask = Image.fromarray(np.minimum(np.asarray(mask), np.asarray(valid)))
    mask = mask.filter(ImageFilter.GaussianBlur(max(1.0, 0.04 * w)))
    fx1, fy1 = x1 * scale * squeeze, y1 * scale
    face_box = (fx1, fy1, fx1 + bw * scale * squeeze, fy1 + bh * scale)
    angle = rng.uniform(-cfg.max_rotation_deg, cfg.max_rotation_deg)
    if abs(angle) > 0.5:
        cx0, cy0 = w / 2, h / 2
        region = region.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        mask = mask.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        dx, dy = (region.width - w) / 2, (region.height - h) / 2
        fcx, fcy = (face_box[0] + face_box[2]) / 2 - cx0, (face_box[1] + face_box[3]) / 2 - cy0
        a = math.radians(angle)  # PIL rotates counter-clockwise
        rx = fcx * math.cos(a) + fcy * math.sin(a) + cx0 + dx
        ry = -fcx * math.sin(a) + fcy * math.cos(a) + cy0 + dy
        hw, hh = (face_box[2] - face_box[0]) / 2, (face_box[3] - face_box[1]) / 2
        face_box = (rx - hw, ry - hh, rx + hw, ry + hh)
    return region, mask, face_box


def _overlaps(a: Box, b: Box, pad: float) -> bool:
    return not (a[2] + pad < b[0] or b[2] + pad < a[0] or a[3] + pad < b[1] or b[3] + pad < a[1])


def _face_size(rng: random.Random, cfg: SimConfig) -> float:
    lo, hi = math.log(cfg.min_face_px), math.log(cfg.max_face_px)
    return math.exp(rng.uniform(lo, hi))  # log-uniform: as many small faces as big ones per octave


def split_people(
    portraits: dict[str, list[Portrait]], cfg: SimConfig
) -> tuple[dict[str, list[Portrait]], dict[str, list[Portrait]], list[str]]:
    """(selfies per enrolled person: one, or two with enough portraits; event portraits per person;
    distractor persons)."""
    rng = random.Random(cfg.seed)
    persons = sorted(portraits)
    usable = [p for p in persons if len(portraits[p]) >= 2]
    n_distractors = max(1, round(cfg.distractor_share * len(persons))) if len(persons) > 1 else 0
    distractors = sorted(rng.sample(persons, n_distractors))
    if not any(p in usable and p not in distractors for p in persons):
        raise ValueError("need at least one enrolled person with two or more portraits")
    selfies: dict[str, list[Portrait]] = {}
    event: dict[str, list[Portrait]] = {}
    for person in persons:
        pics = list(portraits[person])
        if person not in distractors:
            if len(pics) < 2:
                distractors.append(person)  # cannot be both selfie and in the event
            else:
                kept = 2 if len(pics) >= cfg.second_selfie_min_portraits else 1
                selfies[person] = [pics.pop(rng.randrange(len(pics))) for _ in range(kept)]
        event[person] = pics
    return selfies, event, sorted(distractors)


def build_event(faces_dir: Path, locate: Locate, cfg: SimConfig | None = None) -> Event:
    cfg = cfg or SimConfig()
    portraits = locate_portraits(read_labels(faces_dir), locate)
    selfies, event_portraits, distractors = split_people(portraits, cfg)
    rng = random.Random(cfg.seed + 1)
    persons = sorted(event_portraits)
    photos: list[EventPhoto] = []
    for i in range(cfg.photos):
        long_side = rng.choice(cfg.photo_long_sides)
        w, h = long_side, round(long_side * 2 / 3)
        if rng.random() < 0.25:
            w, h = h, w
        canvas = _background(rng, w, h)
        # Each condition draws from the generator only when enabled: the default event stays the same.
        crowd = cfg.crowd_share > 0 and rng.random() < cfg.crowd_share
        k = min(len(persons), rng.randint(*(cfg.crowd_size if crowd else cfg.people_per_photo)))
        placed: list[PlacedFace] = []
        taken: list[Box] = []
        for person in rng.sample(persons, k):
            portrait = rng.choice(event_portraits[person])
            size = _face_size(rng, cfg)
            met = {
                "crowd": crowd,
                "motion_blur": cfg.motion_blur_share > 0 and rng.random() < cfg.motion_blur_share,
                "profile": cfg.profile_share > 0 and rng.random() < cfg.profile_share,
            }
            conditions = frozenset(name for name, applies in met.items() if applies)
            patch, mask, fbox = _face_patch(rng, cfg, portrait, size, conditions)
            if patch.width >= w or patch.height >= h:
                continue
            for _attempt in range(30):
                ox, oy = rng.randint(0, w - patch.width), rng.randint(0, h - patch.height)
                box = (fbox[0] + ox, fbox[1] + oy, fbox[2] + ox, fbox[3] + oy)
                if all(not _overlaps(box, t, pad=0.3 * size) for t in taken):
                    break
            else:
                continue
            canvas.paste(patch, (ox, oy), mask)
            taken.append(box)
            placed.append(PlacedFace(person, box, size, enrolled=person in selfies, conditions=conditions))
        buf = io.BytesIO()
        canvas.save(buf, format="JPEG", quality=rng.randint(*cfg.jpeg_quality))
        photos.append(
            EventPhoto(
                key=f"events/sim/photo-{i:05d}.jpg", jpeg=buf.getvalue(), width=w, height=h, faces=placed
            )
        )
    return Event(
        photos=photos,
        selfies={p: [s.path for s in kept] for p, kept in selfies.items()},
        enrolled=sorted(selfies),
        distractors=distractors,
    )
