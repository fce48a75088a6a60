"""The JavaScript client examples of docs/clients, run with `node` as a client would run them: against
the three APIs served over real HTTP (uvicorn), the real worker (photos and selfies processed, Stripe's
webhook handled), moto S3 and localstripe. Each example prints a JSON summary on its last stdout
line; the tests check it against the database and storage."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.security import hash_password
from api.models import Consent, Face, Photo, ProjectMember, Purchase, PurchaseItem, Selfie, User
from tests.factories import WATERMARK_BYTES, Factory, unique_email
from tests.support.images import jpeg_bytes
from tests.support.stripe import fetch_intent

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not on PATH (the examples are Node 20 ES modules)"
)

CLIENTS = Path(__file__).resolve().parents[2] / "docs" / "clients"
PASSWORD = "correct horse battery"


def run_example(script: str, env: dict[str, str]) -> dict[str, Any]:
    """Run docs/clients/node/`script` with only these variables (and PATH); its JSON summary."""
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(CLIENTS / "node" / script)],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, f"{script} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


def test_photographer_example_uploads_and_waits_until_ready(
    worker: None,
    live_backoffice_api: str,
    live_media_api: str,
    committed: Session,
    faces_dir: Path,
    tmp_path: Path,
) -> None:
    build = Factory(committed)
    operator = build.operator()
    photographer = build.photographer(operator, password_hash=hash_password(PASSWORD))
    project = build.project(operator, photographers=[photographer])
    png = tmp_path / "generated.png"
    png.write_bytes(jpeg_bytes((640, 480), fmt="PNG"))
    files = [faces_dir / "images" / "img1.jpg", faces_dir / "images" / "group-t1.jpg", png]
    env = {
        "WAIRO_BACKOFFICE_URL": live_backoffice_api,
        "WAIRO_MEDIA_URL": live_media_api,
        "WAIRO_EMAIL": photographer.email,
        "WAIRO_PASSWORD": PASSWORD,
        "WAIRO_PROJECT_ID": str(project.id),
        "WAIRO_PHOTOS": os.pathsep.join(map(str, files)),
        "WAIRO_TAGS": "Ceremony,portraits",
    }

    summary = run_example("photographer.mjs", env)

    assert summary["projectId"] == str(project.id)
    assert [p["fileName"] for p in summary["photos"]] == ["img1.jpg", "group-t1.jpg", "generated.png"]
    rows = {str(p.id): p for p in committed.scalars(select(Photo).where(Photo.project_id == project.id))}
    assert set(rows) == {p["photoId"] for p in summary["photos"]}  # one row per file, no other
    for reported, path in zip(summary["photos"], files, strict=True):
        row = rows[reported["photoId"]]
        assert (row.status, reported["status"], reported["skipped"]) == ("ready", "ready", False)
        assert row.photographer_id == photographer.id and row.file_name == path.name
        assert row.client_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert row.tags == ["ceremony", "portraits"]
        faces = committed.scalar(select(func.count()).select_from(Face).where(Face.photo_id == row.id))
        assert reported["faceCount"] == row.face_count == faces
    assert (rows[summary["photos"][1]["photoId"]].face_count or 0) >= 2  # the group photo
    assert rows[summary["photos"][2]["photoId"]].content_type == "image/png"

    again = run_example("photographer.mjs", env)  # the same files: 409 duplicate_photo, skipped

    assert [(p["photoId"], p["skipped"]) for p in again["photos"]] == [
        (p["photoId"], True) for p in summary["photos"]
    ]
    committed.expire_all()
    count = select(func.count()).select_from(Photo).where(Photo.project_id == project.id)
    assert committed.scalar(count) == 3


def test_attendee_example_from_registration_to_download(
    worker: None,
    live_main_api: str,
    live_media_api: str,
    committed: Session,
    faces_dir: Path,
    infra: dict[str, str],
) -> None:
    build = Factory(committed)
    operator = build.operator()
    project = build.project(operator)  # live, public, with terms
    build.price(operator, 500)
    photos = [build.photo(project, upload=True) for _ in range(3)]
    email = unique_email("node")

    summary = run_example(
        "attendee.mjs",
        {
            "WAIRO_MAIN_URL": live_main_api,
            "WAIRO_MEDIA_URL": live_media_api,
            "WAIRO_STRIPE_URL": infra["stripe"],
            "WAIRO_EMAIL": email,
            "WAIRO_PASSWORD": PASSWORD,
            "WAIRO_PROJECT_ID": str(project.id),
            "WAIRO_SELFIE": str(faces_dir / "images" / "img1.jpg"),
            "WAIRO_PAGE_SIZE": "2",
            "WAIRO_BUY_COUNT": "2",
        },
    )

    user = committed.scalars(select(User).where(User.email == email)).one()
    assert committed.scalar(
        select(Consent).where(Consent.user_id == user.id, Consent.revoked_at.is_(None))
    ), "no live biometric consent"
    assert committed.scalar(
        select(ProjectMember).where(ProjectMember.user_id == user.id, ProjectMember.project_id == project.id)
    ), "not a member"
    selfie = committed.get_one(Selfie, summary["selfieId"])
    assert (selfie.user_id, selfie.status, summary["selfieStatus"]) == (user.id, "approved", "approved")
    assert (summary["photosListed"], summary["pages"]) == (3, 2)  # every photo, through the cursor

    purchase = committed.get_one(Purchase, summary["purchaseId"])
    assert (purchase.user_id, purchase.status, summary["purchaseStatus"]) == (user.id, "paid", "paid")
    items = committed.scalars(select(PurchaseItem.photo_id).where(PurchaseItem.purchase_id == purchase.id))
    assert {str(i) for i in items} == set(summary["photoIds"]) <= {str(p.id) for p in photos}
    assert len(summary["photoIds"]) == 2 and purchase.total_cents == summary["totalCents"] == 1000
    assert summary["paymentIntentId"] == purchase.stripe_payment_intent_id
    assert fetch_intent(infra, summary["paymentIntentId"])["status"] == "succeeded"
    assert summary["downloadedPhotoId"] in summary["photoIds"]
    assert summary["downloadBytes"] == len(WATERMARK_BYTES)
    assert summary["downloadSha256"] == hashlib.sha256(WATERMARK_BYTES).hexdigest()


def test_browser_example_modules_parse() -> None:
    """No browser here: the browser example's module and the client it imports are checked by
    `node --check` (syntax) only; the calls themselves are the ones the Node examples run."""
    assert NODE is not None
    for module in (CLIENTS / "browser" / "app.mjs", CLIENTS / "wairo.mjs"):
        done = subprocess.run([NODE, "--check", str(module)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
