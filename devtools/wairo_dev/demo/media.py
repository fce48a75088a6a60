"""Demo chapters: the photographer uploads the event's photos; the attendee uploads a selfie."""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from wairo_dev.demo.client import Api, DemoError, chapter, step

# The shared/ folder beside the repository (devtools/wairo_dev/demo/media.py: four levels up).
FACES = Path(__file__).resolve().parents[4] / "shared" / "faces"
POLL_TIMEOUT_S = 120.0


def _put(url: str, data: bytes, content_type: str = "image/jpeg") -> None:
    response = httpx.put(url, content=data, headers={"Content-Type": content_type}, timeout=60)
    if response.status_code != 200:
        raise DemoError(f"PUT to storage answered {response.status_code}: {response.text[:200]}")


def _poll(fetch: Callable[[], Any], done: tuple[str, ...], what: str) -> Any:
    deadline = time.monotonic() + POLL_TIMEOUT_S
    while time.monotonic() < deadline:
        body = fetch()
        if body["status"] in done:
            return body
        time.sleep(1)
    raise DemoError(f"{what} not processed after {POLL_TIMEOUT_S:.0f}s")


def _generated(count: int) -> list[tuple[str, bytes]]:
    images = []
    for i in range(count):
        size = (1200, 800)
        bands = (
            Image.linear_gradient("L").resize(size),
            Image.effect_noise(size, 30 + 10 * i).convert("L"),
            Image.radial_gradient("L").resize(size),
        )
        buf = io.BytesIO()
        Image.merge("RGB", bands).save(buf, "JPEG", quality=88)
        images.append((f"generated-{i}.jpg", buf.getvalue()))
    return images


def _event_photos() -> list[tuple[str, bytes]]:
    folder = FACES / "images"
    if not folder.is_dir():
        return _generated(4)
    return [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.jpg"))]


def _photo_status(media: Api, token: str, photo_id: str) -> Callable[[], Any]:
    def fetch() -> Any:
        return media.call("GET", f"/v1/photos/{photo_id}", token=token)

    return fetch


def photographer_uploads(apis: dict[str, Api], state: dict[str, Any]) -> None:
    media, token = apis["media"], state["photographer_token"]
    chapter("Photographer uploads")
    photos = _event_photos()
    step(f"{len(photos)} photos to upload (portraits and group photos)")
    ids = []
    for name, data in photos:
        body = {"projectId": state["project_id"], "fileName": name, "sizeBytes": len(data)}
        upload = media.call("POST", "/v1/photos/upload-url", token=token, json=body, expect=201)
        _put(upload["uploadUrl"], data)
        media.call("POST", f"/v1/photos/{upload['photoId']}/complete", token=token, expect=202)
        ids.append(upload["photoId"])
    step(f"uploaded through presigned PUTs and completed: {len(ids)} photos")
    results = [_poll(_photo_status(media, token, pid), ("ready", "failed"), "photo") for pid in ids]
    statuses = Counter(r["status"] for r in results)
    faces = sum(r["faceCount"] or 0 for r in results)
    step(f"processed: {dict(statuses)}; {faces} faces found")
    sample = next((r for r in results if r["status"] == "ready"), results[0])
    exif = sample["exif"] or {}
    step(
        f"e.g. {sample['fileName']}: {sample['width']}x{sample['height']}, camera {exif.get('make')} "
        f"{exif.get('model')}, variants {[v['name'] for v in sample['variants'] if v['ready']]}"
    )
    state["photo_ids"] = ids


def _portrait() -> tuple[str, bytes]:
    """One portrait of the person with the most photos (so the matching has something to find)."""
    labels = FACES / "labels.csv"
    if not labels.is_file():
        return _generated(1)[0]
    with labels.open() as f:
        rows = list(csv.DictReader(f))
    person = Counter(r["person"] for r in rows).most_common(1)[0][0]
    file = next(r["file"] for r in rows if r["person"] == person)
    return f"{person}/{file}", (FACES / "images" / file).read_bytes()


def attendee_selfie(apis: dict[str, Api], state: dict[str, Any]) -> None:
    main, media, token = apis["main"], apis["media"], state["user_token"]
    chapter("Attendee selfie")
    consents = main.call("GET", "/v1/consent", token=token)
    if not any(c["consentType"] == "biometric_processing" and c["revokedAt"] is None for c in consents):
        main.call(
            "POST", "/v1/consent/biometric", token=token, json={"consentVersion": "2024-01"}, expect=201
        )
        step("biometric consent given")
    name, data = _portrait()
    upload = media.call(
        "POST", "/v1/selfie/upload-url", token=token, json={"sizeBytes": len(data)}, expect=201
    )
    _put(upload["uploadUrl"], data)
    media.call("POST", f"/v1/selfie/{upload['selfieId']}/complete", token=token, expect=202)
    step(f"selfie uploaded ({name}) to {upload['key']}")

    def fetch() -> Any:
        return media.call("GET", "/v1/selfie", token=token)

    selfie = _poll(fetch, ("approved", "rejected"), "selfie")
    reason = f" ({selfie['rejectionReason']})" if selfie["rejectionReason"] else ""
    step(f"selfie {selfie['status']}{reason}")
    state["selfie_uploaded"] = True
