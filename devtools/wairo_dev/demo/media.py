"""Demo chapters: the photographer uploads the event's photos; the attendee uploads a selfie."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from wairo_dev.demo.accounts import give_biometric_consent
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


def _wairo(*args: str, config_dir: Path, timeout_s: float, **env: str) -> None:
    """Run the photographer's `wairo` tool (client/wairo_client) as they would, its output shown."""
    print(f"    $ wairo {' '.join(args)}", flush=True)
    argv = [sys.executable, "-m", "wairo_client", *args]
    env = {**os.environ, "WAIRO_CONFIG_DIR": str(config_dir), **env}
    try:
        done = subprocess.run(argv, env=env, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        raise DemoError(f"wairo {args[0]} did not finish in {timeout_s:.0f}s") from exc
    if done.returncode != 0:
        raise DemoError(f"wairo {args[0]} exited with {done.returncode}")


def photographer_uploads(apis: dict[str, Api], state: dict[str, Any]) -> None:
    """The photographer uploads the event with `wairo upload`: the first half of the photos into
    the album "Ceremony", the rest into "Reception"; `wairo status` follows the processing."""
    media, token, project = apis["media"], state["photographer_token"], state["project_id"]
    chapter("Photographer uploads (the wairo tool)")
    photos = _event_photos()
    half = len(photos) // 2
    step(f"{len(photos)} photos on the memory card (portraits and group photos)")
    with tempfile.TemporaryDirectory(prefix="wairo-demo-card-") as card:
        config_dir = Path(card) / "config"
        email, password = state["photographer_login"]
        endpoints = state["endpoints"]
        _wairo(
            "login", "--api", endpoints["backoffice API"], "--media-api", endpoints["media API"],
            "--email", email, config_dir=config_dir, timeout_s=60, WAIRO_PASSWORD=password,
        )  # fmt: skip
        for album, part in (("Ceremony", photos[:half]), ("Reception", photos[half:])):
            folder = Path(card) / album.lower()
            folder.mkdir()
            for name, data in part:
                (folder / name).write_bytes(data)
            _wairo(
                "upload", project, str(folder), "--album", album, "--parallel", "4",
                config_dir=config_dir, timeout_s=POLL_TIMEOUT_S,
            )  # fmt: skip
        _wairo("status", project, "--interval", "2", config_dir=config_dir, timeout_s=3 * POLL_TIMEOUT_S)
    listed = media.call("GET", f"/v1/photographers/me/projects/{project}/photos?limit=200", token=token)
    results = [media.call("GET", f"/v1/photos/{p['id']}", token=token) for p in listed]
    statuses = Counter(r["status"] for r in results)
    faces = sum(r["faceCount"] or 0 for r in results)
    step(f"processed: {dict(statuses)}; {faces} faces found")
    sample = next((r for r in results if r["status"] == "ready"), results[0])
    exif = sample["exif"] or {}
    step(
        f"e.g. {sample['fileName']}: {sample['width']}x{sample['height']}, camera {exif.get('make')} "
        f"{exif.get('model')}, variants {[v['name'] for v in sample['variants'] if v['ready']]}"
    )
    albums = media.call("GET", f"/v1/projects/{project}/albums", token=token)
    step("albums: " + ", ".join(f"{a['name']} ({a['photoCount']} photos)" for a in albums))
    query = 'album:"Reception" faces:>1'
    found = media.call("GET", "/v1/search/photos", token=token, params={"q": query, "limit": 50})["photos"]
    by_id = {r["id"]: r["fileName"] for r in results}
    names = ", ".join(sorted(by_id.get(r["id"]) or r["id"] for r in found)[:6])
    step(f"search {query!r} (media API, staff): {len(found)} found with more than one face: {names}")
    state["photo_ids"] = [r["id"] for r in results]


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
        step(f"biometric consent given (text version {give_biometric_consent(main, token)})")
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
