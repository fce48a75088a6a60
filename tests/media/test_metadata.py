"""Photo metadata (`PATCH /v1/photos/{photoId}`: title, tags, visibility), the client's SHA-256 on
upload URLs (409 `duplicate_photo`, replacement of an upload that never got stored, one stored
photo per file under concurrency, `checksum_mismatch` in the real pipeline) and what upload URL
responses tell the client (`statusUrl`, `headers`)."""

from __future__ import annotations

import hashlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from api.apps.media import create_app
from api.core.storage import default_bucket, s3
from api.models import OutboxMessage, Photo, ProjectPhotographer
from api.models.photos import STORED_STATUSES
from tests.factories import Factory, Tenant, token_for
from tests.media.calls import upload_url
from tests.support.http import assert_error, bearer, wait_until
from tests.support.images import jpeg_bytes


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _patch(media: TestClient, token: str, photo_id: Any, body: Any) -> Any:
    return media.patch(f"/v1/photos/{photo_id}", json=body, headers=bearer(token))


def _same_hash(db: Session, project_id: uuid.UUID, sha: str) -> list[tuple[uuid.UUID, str]]:
    rows = db.execute(
        select(Photo.id, Photo.status).where(Photo.project_id == project_id, Photo.client_sha256 == sha)
    ).all()
    return [(row[0], row[1]) for row in rows]


# --- PATCH ----------------------------------------------------------------------------------------


def test_uploader_and_operator_edit_the_metadata(media: TestClient, build: Factory, db: Session) -> None:
    t = build.tenant()
    photo = build.uploaded_photo(t)
    before = media.get(f"/v1/photos/{photo.id}", headers=bearer(t.photographer_token)).json()
    assert (before["title"], before["tags"], before["visibility"]) == (None, [], "visible")

    edited = _patch(
        media,
        t.photographer_token,
        photo.id,
        {"title": "  First dance  ", "tags": [" Dance", "couple", "dance", "FIRST-dance_2"]},
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["title"] == "First dance" and body["tags"] == ["dance", "couple", "first-dance_2"]
    assert body["visibility"] == "visible"
    # The detail endpoint's answer, with the new fields.
    assert body == media.get(f"/v1/photos/{photo.id}", headers=bearer(t.photographer_token)).json()
    assert body.keys() == before.keys()

    hidden = _patch(media, t.operator_token, photo.id, {"visibility": "hidden", "tags": ["kept"]})
    assert hidden.status_code == 200, hidden.text
    assert (hidden.json()["title"], hidden.json()["tags"], hidden.json()["visibility"]) == (
        "First dance",  # absent fields are left alone
        ["kept"],  # the list replaces the stored one
        "hidden",
    )
    cleared = _patch(media, t.operator_token, photo.id, {"title": "", "tags": []}).json()
    assert cleared["title"] is None and cleared["tags"] == [] and cleared["visibility"] == "hidden"
    assert _patch(media, t.operator_token, photo.id, {"title": None}).status_code == 200
    db.refresh(photo)
    assert (photo.title, photo.tags, photo.visibility) == (None, [], "hidden")


def test_only_the_uploader_and_the_projects_operator_edit(media: TestClient, build: Factory) -> None:
    t, other = build.tenant(), build.tenant()
    photo = build.uploaded_photo(t)
    # Photographers of the same operator who did not upload it: not assigned to its project (but
    # to another of the operator's), or assigned to it.
    unassigned = build.photographer(t.operator, name="Elsewhere")
    build.project(t.operator, photographers=[unassigned])
    assigned = build.photographer(t.operator, name="Colleague")
    build.add(ProjectPhotographer(project_id=t.project.id, photographer_id=assigned.id))
    body = {"visibility": "hidden"}
    for colleague in (unassigned, assigned):
        assert_error(_patch(media, token_for(colleague, "photographer"), photo.id, body), 404)
    assert_error(_patch(media, other.operator_token, photo.id, body), 404)
    assert_error(_patch(media, other.photographer_token, photo.id, body), 404)
    assert_error(_patch(media, t.operator_token, uuid.uuid4(), body), 404)
    member = build.attendee(t.project)
    assert_error(_patch(media, member.token, photo.id, body), 403)  # a user: not staff
    assert_error(media.patch(f"/v1/photos/{photo.id}", json=body), 401)
    got = media.get(f"/v1/photos/{photo.id}", headers=bearer(t.operator_token)).json()
    assert got["visibility"] == "visible"  # nothing changed


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"tags": [f"t{i}" for i in range(21)]},
        {"tags": ["two words"]},
        {"tags": [""]},
        {"tags": ["x" * 33]},
        {"tags": ["a+b"]},
        {"tags": None},
        {"tags": "dance"},
        {"title": "x" * 201},
        {"visibility": "secret"},
        {"visibility": None},
        {"title": "ok", "extra": 1},
        {"title": "nul\x00"},
    ],
)
def test_bad_metadata_is_422(media: TestClient, build: Factory, db: Session, body: dict[str, Any]) -> None:
    t = build.tenant()
    photo = build.uploaded_photo(t, title="Kept", tags=["kept"])
    assert_error(_patch(media, t.operator_token, photo.id, body), 422, "validation_error")
    db.refresh(photo)
    assert (photo.title, photo.tags, photo.visibility) == ("Kept", ["kept"], "visible")


def test_twenty_tags_after_collapsing_duplicates_are_accepted(media: TestClient, build: Factory) -> None:
    t = build.tenant()
    photo = build.uploaded_photo(t)
    tags = [f"t{i}" for i in range(20)] + ["T0", " t1 "]
    response = _patch(media, t.operator_token, photo.id, {"tags": tags, "title": " " + "y" * 200 + " "})
    assert response.status_code == 200, response.text
    assert response.json()["tags"] == [f"t{i}" for i in range(20)] and response.json()["title"] == "y" * 200


def test_staff_lists_show_hidden_photos_with_their_metadata(media: TestClient, build: Factory) -> None:
    t = build.tenant()
    shown = build.uploaded_photo(t)
    hidden = build.uploaded_photo(t, visibility="hidden", title="Blurry", tags=["retake"])
    for path, token in (
        (f"/v1/photographers/me/projects/{t.project.id}/photos", t.photographer_token),
        (f"/v1/operators/me/projects/{t.project.id}/photos", t.operator_token),
        ("/v1/operators/me/photos", t.operator_token),
    ):
        items = {p["id"]: p for p in media.get(path, headers=bearer(token)).json()}
        assert set(items) == {str(shown.id), str(hidden.id)}, path
        assert (items[str(hidden.id)]["visibility"], items[str(hidden.id)]["title"]) == ("hidden", "Blurry")
        assert items[str(hidden.id)]["tags"] == ["retake"] and items[str(shown.id)]["visibility"] == "visible"


# --- upload URLs: metadata, statusUrl, headers ----------------------------------------------------


def test_upload_url_carries_metadata_status_url_and_the_put_headers(
    media: TestClient, build: Factory
) -> None:
    t = build.tenant()
    data = jpeg_bytes(fmt="PNG")
    response = upload_url(
        media,
        t.photographer_token,
        t.project.id,
        contentType="image/png",
        title=" Speech ",
        tags=["Toast", "toast"],
        clientSha256=_sha(data),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["statusUrl"] == f"/v1/photos/{body['photoId']}"
    assert body["headers"] == {"Content-Type": "image/png"}
    assert httpx.put(body["uploadUrl"], content=data, headers=body["headers"]).status_code == 200
    status = media.get(body["statusUrl"], headers=bearer(t.photographer_token))
    assert status.status_code == 200 and status.json()["id"] == body["photoId"]
    assert (status.json()["title"], status.json()["tags"]) == ("Speech", ["toast"])
    done = media.post(f"/v1/photos/{body['photoId']}/complete", headers=bearer(t.photographer_token))
    assert done.status_code == 202 and done.json()["status"] == "uploaded"
    twin = upload_url(media, t.photographer_token, t.project.id, tags=[])
    assert twin.json()["headers"] == {"Content-Type": "image/jpeg"}  # the default type


def test_the_hash_costs_one_statement_and_only_when_given(
    media: TestClient, build: Factory, db: Session
) -> None:
    """The upload URL stays one statement (the precompiled INSERT … SELECT); a hash adds the check."""
    t = build.tenant()
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "photos" in statement:
            statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert upload_url(media, t.photographer_token, t.project.id).status_code == 201
        plain, statements[:] = list(statements), []
        assert upload_url(media, t.photographer_token, t.project.id, clientSha256="a" * 64).status_code == 201
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(plain) == 1 and plain[0].lstrip().startswith("WITH reserve")
    assert len(statements) == 2 and statements[1] == plain[0]


@pytest.mark.parametrize(
    "extra",
    [
        {"clientSha256": "A" * 64},
        {"clientSha256": "a" * 63},
        {"clientSha256": "g" * 64},
        {"tags": ["no spaces"]},
        {"tags": [f"t{i}" for i in range(21)]},
        {"title": "x" * 201},
        {"albumId": "not-an-id"},
    ],
)
def test_upload_url_metadata_validation(
    media: TestClient, build: Factory, db: Session, extra: dict[str, Any]
) -> None:
    t = build.tenant()
    assert_error(upload_url(media, t.photographer_token, t.project.id, **extra), 422, "validation_error")
    assert db.scalar(select(func.count()).where(Photo.project_id == t.project.id)) == 0


# --- the client's SHA-256 ---------------------------------------------------------------------------


def _stored_upload(media: TestClient, t: Tenant, data: bytes) -> str:
    body = upload_url(media, t.photographer_token, t.project.id, clientSha256=_sha(data)).json()
    assert httpx.put(body["uploadUrl"], content=data, headers=body["headers"]).status_code == 200
    done = media.post(f"/v1/photos/{body['photoId']}/complete", headers=bearer(t.photographer_token))
    assert done.json()["status"] == "uploaded", done.text
    return str(body["photoId"])


def test_the_same_file_again_is_409_with_the_stored_photo(
    media: TestClient, build: Factory, db: Session
) -> None:
    t, other = build.tenant(), build.tenant()
    data = jpeg_bytes()
    sha = _sha(data)
    stored = _stored_upload(media, t, data)
    body = assert_error(upload_url(media, t.photographer_token, t.project.id, clientSha256=sha), 409)
    assert body["error"]["code"] == "duplicate_photo" and body["error"]["details"] == {"photoId": stored}
    for status in ("processing", "ready"):
        db.execute(update(Photo).where(Photo.id == uuid.UUID(stored)).values(status=status))
        db.commit()  # (to the test's savepoint: a refused request rolls back what is not committed)
        assert_error(upload_url(media, t.photographer_token, t.project.id, clientSha256=sha), 409)
    assert _same_hash(db, t.project.id, sha) == [(uuid.UUID(stored), "ready")]
    # Another project may hold the same file; a stranger to the project learns nothing of it.
    assert upload_url(media, other.photographer_token, other.project.id, clientSha256=sha).status_code == 201
    assert_error(upload_url(media, other.photographer_token, t.project.id, clientSha256=sha), 404)
    # Without a hash nothing is compared.
    assert upload_url(media, t.photographer_token, t.project.id).status_code == 201


@pytest.mark.parametrize("status", ["pending_upload", "failed"])
def test_an_upload_that_never_got_stored_is_replaced(
    media: TestClient, build: Factory, db: Session, status: str
) -> None:
    t = build.tenant()
    data = jpeg_bytes()
    sha = _sha(data)
    first = upload_url(media, t.photographer_token, t.project.id, clientSha256=sha).json()
    earlier = uuid.UUID(first["photoId"])
    if status == "failed":  # its object is there, and was refused
        assert httpx.put(first["uploadUrl"], content=data, headers=first["headers"]).status_code == 200
        db.execute(update(Photo).where(Photo.id == earlier).values(status="failed", failure_reason="x"))
        db.commit()
    expired = build.uploaded_photo(t, status="expired", client_sha256=sha)  # neither stored nor replaced
    again = upload_url(media, t.photographer_token, t.project.id, clientSha256=sha)
    assert again.status_code == 201, again.text
    new = uuid.UUID(again.json()["photoId"])
    db.expire_all()
    assert sorted(_same_hash(db, t.project.id, sha)) == sorted(
        [(new, "pending_upload"), (expired.id, "expired")]
    )
    assert db.get(Photo, earlier) is None
    deletion = db.scalars(select(OutboxMessage.payload).where(OutboxMessage.task == "delete_objects")).all()
    assert any(first["key"] in (payload.get("keys") or []) for payload in deletion)  # after commit
    assert (
        httpx.put(again.json()["uploadUrl"], content=data, headers=again.json()["headers"]).status_code == 200
    )
    done = media.post(f"/v1/photos/{new}/complete", headers=bearer(t.photographer_token))
    assert done.json()["status"] == "uploaded"


def test_completion_stores_one_photo_per_file(media: TestClient, build: Factory, db: Session) -> None:
    """Two uploads of one file that both got their URL (they raced past the check) meet at
    completion: the first is stored, the second fails `duplicate_photo`."""
    t = build.tenant()
    data = jpeg_bytes()
    sha = _sha(data)
    photos = [
        build.uploaded_photo(t, status="pending_upload", client_sha256=sha, size_bytes=len(data))
        for _ in range(2)
    ]
    for photo in photos:
        s3().put_object(Bucket=default_bucket(), Key=photo.original_key, Body=data, ContentType="image/jpeg")
    states = [
        media.post(f"/v1/photos/{p.id}/complete", headers=bearer(t.photographer_token)).json() for p in photos
    ]
    assert [s["status"] for s in states] == ["uploaded", "failed"]
    second = media.get(f"/v1/photos/{photos[1].id}", headers=bearer(t.photographer_token)).json()
    assert second["failureReason"] == f"duplicate_photo: the project stores it as {photos[0].id}"
    # The failed one is what a new upload of the file replaces; the stored one refuses it.
    assert_error(upload_url(media, t.photographer_token, t.project.id, clientSha256=sha), 409)


def test_concurrent_uploads_of_one_file_store_one(infra: dict[str, str], committed: Session) -> None:
    t = Factory(committed).tenant()
    data = jpeg_bytes()
    sha = _sha(data)
    n = 4
    urls, completes = threading.Barrier(n), threading.Barrier(n)

    def one(_: int) -> tuple[int, str | None]:
        with TestClient(create_app(), raise_server_exceptions=False) as client:
            urls.wait()
            response = upload_url(client, t.photographer_token, t.project.id, clientSha256=sha)
            body = response.json()
            if response.status_code == 201:
                httpx.put(body["uploadUrl"], content=data, headers=body["headers"])
            completes.wait()
            if response.status_code != 201:
                return response.status_code, None
            done = client.post(f"/v1/photos/{body['photoId']}/complete", headers=bearer(t.photographer_token))
            if done.status_code == 404:  # replaced by a later upload of the file while pending
                return response.status_code, "replaced"
            assert done.status_code == 202, done.text
            return response.status_code, done.json()["status"]

    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(one, range(n)))
    assert all(code in (201, 409) for code, _ in results), results
    committed.expire_all()
    rows = _same_hash(committed, t.project.id, sha)
    assert [status for _, status in rows].count("uploaded") == 1, rows
    assert len([s for _, s in rows if s in STORED_STATUSES]) == 1
    assert [s for _, s in results].count("uploaded") == 1, results


def test_concurrent_completions_of_one_file_store_one(infra: dict[str, str], committed: Session) -> None:
    """Pending uploads of one file (as if they all got their URL at once) completed at once: the
    unique index lets one be stored, the others wait for it and then fail `duplicate_photo`."""
    build = Factory(committed)
    t = build.tenant()
    data = jpeg_bytes()
    sha = _sha(data)
    n = 4
    photos = [
        build.uploaded_photo(t, status="pending_upload", client_sha256=sha, size_bytes=len(data))
        for _ in range(n)
    ]
    for photo in photos:
        s3().put_object(Bucket=default_bucket(), Key=photo.original_key, Body=data, ContentType="image/jpeg")
    start = threading.Barrier(n)

    def complete(photo: Photo) -> Any:
        with TestClient(create_app(), raise_server_exceptions=False) as client:
            start.wait()
            return client.post(f"/v1/photos/{photo.id}/complete", headers=bearer(t.photographer_token))

    with ThreadPoolExecutor(n) as pool:
        responses = list(pool.map(complete, photos))
    assert [r.status_code for r in responses] == [202] * n, [r.text for r in responses]
    assert sorted(r.json()["status"] for r in responses) == ["failed"] * (n - 1) + ["uploaded"]
    committed.expire_all()
    rows = dict(_same_hash(committed, t.project.id, sha))
    (stored,) = [photo_id for photo_id, status in rows.items() if status == "uploaded"]
    reasons = committed.scalars(select(Photo.failure_reason).where(Photo.id.in_(set(rows) - {stored}))).all()
    assert reasons == [f"duplicate_photo: the project stores it as {stored}"] * (n - 1)


# --- the pipeline checks the hash -----------------------------------------------------------------


def test_a_checksum_mismatch_fails_the_photo(live_media: TestClient, committed: Session) -> None:
    t = Factory(committed).tenant()
    data, other = jpeg_bytes((640, 480)), jpeg_bytes((480, 640))
    ids = {}
    for name, claimed in (("lied", _sha(other)), ("true", _sha(data))):
        body = upload_url(live_media, t.photographer_token, t.project.id, clientSha256=claimed).json()
        assert httpx.put(body["uploadUrl"], content=data, headers=body["headers"]).status_code == 200
        live_media.post(f"/v1/photos/{body['photoId']}/complete", headers=bearer(t.photographer_token))
        ids[name] = body["photoId"]

    def settled(photo_id: str) -> Any:
        body = live_media.get(f"/v1/photos/{photo_id}", headers=bearer(t.photographer_token)).json()
        return body if body["status"] in ("ready", "failed") else None

    lied = wait_until(lambda: settled(ids["lied"]), what="the lying photo settled")
    assert lied["status"] == "failed" and lied["failureReason"].startswith("checksum_mismatch"), lied
    assert not any(v["ready"] for v in lied["variants"])  # nothing made from the wrong bytes
    true = wait_until(lambda: settled(ids["true"]), what="the true photo settled")
    assert true["status"] == "ready", true
