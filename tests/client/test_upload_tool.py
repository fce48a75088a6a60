"""`wairo`, the photographer's upload tool, run as a process against the media and backoffice APIs
served over HTTP (real Postgres, S3 and Valkey): whole folders, a run killed half-way and run
again, files that are not images, a hot folder, a resumable upload resumed from its state file."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import stat
import uuid
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.ratelimit import redis_client
from api.models import Album, AlbumPhoto, Photo, UploadSession
from api.models.photos import STORED_STATUSES
from tests.client.tool import (
    Wairo,
    distinct_hashes,
    photo_rows,
    stop,
    stored_objects,
    stored_rows,
    tenant_with_login,
    write_photos,
)
from tests.factories import Tenant
from tests.support.http import wait_until
from tests.support.images import jpeg_bytes


def test_a_memory_card_of_30_photos_goes_up_once(wairo: Wairo, tenant: Tenant, committed: Session) -> None:
    card = wairo.cwd / "card"
    write_photos(card / "DCIM" / "100CANON", 20)
    write_photos(card / "DCIM" / "101CANON", 10, start=20)
    (card / "DCIM" / "notes.txt").write_text("not a photo, not taken: only image suffixes in folders")
    project = str(tenant.project.id)

    done = wairo.run("upload", project, str(card), "--album", "Ceremony", "--parallel", "4")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "summary: 30 uploaded" in done.stdout and "0 skipped, 0 failed" in done.stdout
    assert done.stdout.count("uploaded ") >= 30  # a plain line per file (stdout is no TTY)
    assert photo_rows(committed, tenant.project.id) == 30
    assert stored_rows(committed, tenant.project.id) == 30
    assert distinct_hashes(committed, tenant.project.id) == 30
    assert len(stored_objects(tenant.project.id)) == 30
    album = committed.scalar(select(Album).where(Album.project_id == tenant.project.id))
    assert album is not None and album.name == "Ceremony"
    in_album = committed.scalars(select(AlbumPhoto.photo_id).where(AlbumPhoto.album_id == album.id)).all()
    assert len(set(in_album)) == 30

    again = wairo.run("upload", project, str(card), "--album", "Ceremony")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "summary: 0 uploaded" in again.stdout and "30 skipped, 0 failed" in again.stdout
    assert photo_rows(committed, tenant.project.id) == 30
    assert len(committed.scalars(select(Album.id).where(Album.project_id == tenant.project.id)).all()) == 1

    status = wairo.run("status", project, "--once")
    assert status.returncode == 0, status.stderr
    line = re.fullmatch(
        r"30 photos: (\d+) uploaded, (\d+) processing, (\d+) ready, 0 failed", status.stdout.strip()
    )
    assert line is not None, status.stdout  # all uploaded (ready, where a session's worker runs)
    assert sum(map(int, line.groups())) == 30


def test_credentials_are_the_owners_only_and_logout_forgets_them(wairo: Wairo) -> None:
    path = wairo.config_dir / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert set(stored) == {"api", "mediaApi", "token"}
    assert wairo.run("logout").returncode == 0
    assert not path.exists()
    refused = wairo.run("upload", str(uuid.uuid4()), str(wairo.cwd))
    assert refused.returncode == 2 and "wairo login" in refused.stderr


def test_killed_half_way_and_run_again_uploads_the_rest_once(
    wairo: Wairo, tenant: Tenant, committed: Session
) -> None:
    card = wairo.cwd / "card"
    write_photos(card, 30)
    project = str(tenant.project.id)
    slow = wairo.start("upload", project, str(card), "--parallel", "1", "--limit-rate", "400000")
    wait_until(lambda: stored_rows(committed, tenant.project.id) >= 8, what="8 photos stored")
    code, _ = stop(slow, signal.SIGKILL)
    assert code == -signal.SIGKILL
    first = stored_rows(committed, tenant.project.id)
    assert 8 <= first < 30

    rest = wairo.run("upload", project, str(card), "--parallel", "4")
    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert f"{first} skipped, 0 failed" in rest.stdout, rest.stdout
    assert f"summary: {30 - first} uploaded" in rest.stdout
    # No duplicate: the pending row of the photo cut off was replaced, not kept beside the new one.
    assert photo_rows(committed, tenant.project.id) == 30
    assert stored_rows(committed, tenant.project.id) == 30
    assert distinct_hashes(committed, tenant.project.id) == 30
    committed.rollback()
    originals = committed.scalars(
        select(Photo.original_key).where(Photo.project_id == tenant.project.id)
    ).all()
    assert set(originals) <= set(stored_objects(tenant.project.id))


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg_bytes((500, 400)))).save(out, fmt)
    return out.getvalue()


def test_a_file_that_is_not_an_image_is_reported_and_the_others_go_through(
    wairo: Wairo, tenant: Tenant, committed: Session
) -> None:
    folder = wairo.cwd / "mixed"
    write_photos(folder, 3)
    (folder / "cover.png").write_bytes(_image("PNG"))
    (folder / "detail.webp").write_bytes(_image("WEBP"))
    (folder / "misnamed.jpg").write_bytes(_image("PNG"))  # its bytes say PNG: sent as a PNG
    (folder / "invoice.jpg").write_bytes(b"%PDF-1.7 " + b"x" * 4000)
    done = wairo.run("upload", str(tenant.project.id), str(folder))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "summary: 6 uploaded" in done.stdout and "1 failed" in done.stdout
    assert "failed " + str(folder / "invoice.jpg") + ": not a JPEG, PNG or WebP image" in done.stdout
    committed.rollback()
    types = dict(
        committed.execute(
            select(Photo.file_name, Photo.content_type).where(Photo.project_id == tenant.project.id)
        ).all()
    )
    assert types == {
        "IMG_0000.JPG": "image/jpeg",
        "IMG_0001.JPG": "image/jpeg",
        "IMG_0002.JPG": "image/jpeg",
        "cover.png": "image/png",
        "detail.webp": "image/webp",
        "misnamed.jpg": "image/png",
    }


def test_a_watched_folder_uploads_a_file_written_after_start(
    wairo: Wairo, tenant: Tenant, committed: Session
) -> None:
    folder = wairo.cwd / "tethered"
    write_photos(folder, 1)
    watching = wairo.start("upload", str(tenant.project.id), str(folder), "--watch", "--interval", "0.2")
    wait_until(lambda: stored_rows(committed, tenant.project.id) == 1, what="the first photo")
    data = jpeg_bytes((800, 600))
    partial = folder / "IMG_0100.JPG"
    with partial.open("wb") as f:  # written in two goes, as a camera's software does
        f.write(data[: len(data) // 2])
        f.flush()
        os.fsync(f.fileno())
        wait_until(lambda: partial.stat().st_size > 0, what="the first half")
        f.write(data[len(data) // 2 :])
    wait_until(lambda: stored_rows(committed, tenant.project.id) == 2, what="the new photo")
    code, out = stop(watching, signal.SIGTERM)
    assert code == 0, out
    assert "summary: 2 uploaded" in out and "0 failed" in out
    committed.rollback()
    sizes = committed.scalars(select(Photo.size_bytes).where(Photo.project_id == tenant.project.id)).all()
    assert len(data) in sizes  # the whole file, not the half first seen


def _big_png(path: Path) -> int:
    """About 18 MB of noise (three parts of 8 MiB), stored uncompressed."""
    side = 2500
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(path, "PNG", compress_level=0)
    return path.stat().st_size


def test_an_interrupted_resumable_upload_resumes_its_session(
    wairo: Wairo, tenant: Tenant, committed: Session
) -> None:
    folder = wairo.cwd / "raw"
    folder.mkdir()
    size = _big_png(folder / "panorama.png")
    args = ("upload", str(tenant.project.id), str(folder), "--resumable-above", "1000000")
    state_dir = wairo.config_dir / "uploads"

    def one_part_sent() -> dict | None:
        for path in state_dir.glob("*.json") if state_dir.is_dir() else []:
            state = json.loads(path.read_text())
            if state.get("parts"):
                return state
        return None

    slow = wairo.start(*args, "--limit-rate", str(8 * 1024 * 1024))
    state = wait_until(one_part_sent, what="a part recorded in the state file")
    code, _ = stop(slow, signal.SIGKILL)
    assert code == -signal.SIGKILL
    state_file = next(state_dir.glob("*.json"))
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert state_file.name.startswith(str(tenant.project.id))

    resumed = wairo.run(*args)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "summary: 1 uploaded" in resumed.stdout
    assert not state_file.exists()
    committed.rollback()
    photo = committed.scalar(select(Photo).where(Photo.project_id == tenant.project.id))
    assert photo is not None and str(photo.id) == state["photoId"]
    assert photo.status in STORED_STATUSES and photo.size_bytes == size and photo.content_type == "image/png"
    sessions = committed.scalars(select(UploadSession).where(UploadSession.photo_id == photo.id)).all()
    assert [(str(s.id), s.state) for s in sessions] == [(state["sessionId"], "completed")]  # the same one
    assert stored_objects(tenant.project.id) == {photo.original_key: size}


def test_the_upload_url_limit_is_waited_out_after_its_retry_after(
    wairo: Wairo, tenant: Tenant, committed: Session
) -> None:
    """The media API's real limiter: this photographer's minute is made full for the next 2 s (its
    counter in Valkey, as 1000 upload URLs would leave it); the tool's first upload URL meets the
    429 and its Retry-After, waits that long and goes on."""
    folder = wairo.cwd / "few"
    write_photos(folder, 2)
    redis_client().set(f"rl:upload-url:{tenant.photographer.id}", 1000, ex=2)
    done = wairo.run("upload", str(tenant.project.id), str(folder), "--parallel", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "summary: 2 uploaded" in done.stdout
    assert "429 from POST /v1/photos/upload-url; retrying in" in done.stderr
    assert stored_rows(committed, tenant.project.id) == 2


def test_the_operator_follows_the_processing_but_uploads_nothing(
    wairo: Wairo, tenant: Tenant, live_backoffice_api: str, live_media_api: str, committed: Session
) -> None:
    folder = wairo.cwd / "two"
    write_photos(folder, 2)
    assert wairo.run("upload", str(tenant.project.id), str(folder)).returncode == 0
    operator = Wairo(config_dir=wairo.cwd / "operator-config", cwd=wairo.cwd)
    operator.login(tenant, live_backoffice_api, live_media_api, role="operator")
    status = operator.run("status", str(tenant.project.id), "--once")
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith("2 photos: ")  # through the operator's project photo list
    refused = operator.run("upload", str(tenant.project.id), str(folder))
    assert refused.returncode == 2 and "photographer" in refused.stderr
    assert photo_rows(committed, tenant.project.id) == 2
    other = tenant_with_login(committed)  # another operator's project: a 404, said plainly
    foreign = operator.run("status", str(other.project.id), "--once")
    assert foreign.returncode == 1 and "404 not_found" in foreign.stderr
