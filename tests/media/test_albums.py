"""Albums on the media API: the staff create, rename, reorder and delete them, add and remove
photos and page through them; every other tenant meets a 404 (rolled-back transaction per test)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.apps.media import create_app
from api.models import AlbumPhoto, Photo
from tests.factories import Factory, Tenant, token_for
from tests.support.http import assert_error, bearer
from tests.support.openapi import documented_response

# A request: method, path, JSON body.
Call = tuple[str, str, dict[str, Any] | None]


def _create(media: TestClient, token: str, project_id: Any, name: str) -> dict[str, Any]:
    response = media.post(f"/v1/projects/{project_id}/albums", json={"name": name}, headers=bearer(token))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _names(media: TestClient, token: str, project_id: Any) -> list[tuple[str, int]]:
    response = media.get(f"/v1/projects/{project_id}/albums", headers=bearer(token))
    assert response.status_code == 200, response.text
    return [(a["name"], a["position"]) for a in response.json()]


def _add(media: TestClient, token: str, album_id: str, photos: list[Photo]) -> Any:
    return media.post(
        f"/v1/albums/{album_id}/photos", json={"photoIds": [str(p.id) for p in photos]}, headers=bearer(token)
    )


def _photo_ids(media: TestClient, token: str, album_id: str, **params: Any) -> list[str]:
    response = media.get(f"/v1/albums/{album_id}/photos", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()]


def test_create_rename_reorder_and_delete(media: TestClient, build: Factory, db: Session) -> None:
    t = build.tenant()
    op, ph, project = t.operator_token, t.photographer_token, t.project.id
    ceremony = _create(media, op, project, "Ceremony")
    assert set(ceremony) == {"id", "projectId", "name", "position", "photoCount", "createdAt"}
    assert ceremony["projectId"] == str(project) and ceremony["position"] == 0 and ceremony["photoCount"] == 0
    reception = _create(media, ph, project, "  Reception ")  # the assigned photographer too; trimmed
    portraits = _create(media, op, project, "Portraits")
    assert _names(media, op, project) == [("Ceremony", 0), ("Reception", 1), ("Portraits", 2)]
    assert _names(media, ph, project) == _names(media, op, project)

    taken = media.post(f"/v1/projects/{project}/albums", json={"name": "ceremony"}, headers=bearer(op))
    assert_error(taken, 409, "album_exists")
    other = build.tenant()  # the same name in another project is another album
    assert _create(media, other.operator_token, other.project.id, "Ceremony")["position"] == 0

    def patch(album: dict[str, Any], body: dict[str, Any]) -> Any:
        return media.patch(f"/v1/albums/{album['id']}", json=body, headers=bearer(op))

    moved = patch(portraits, {"position": 0})
    assert moved.status_code == 200 and moved.json()["position"] == 0
    assert _names(media, op, project) == [("Portraits", 0), ("Ceremony", 1), ("Reception", 2)]
    assert patch(portraits, {"position": 2}).json()["position"] == 2
    assert _names(media, op, project) == [("Ceremony", 0), ("Reception", 1), ("Portraits", 2)]
    both = patch(reception, {"name": "Dinner", "position": 0})
    assert both.json()["name"] == "Dinner" and both.json()["position"] == 0
    assert _names(media, op, project) == [("Dinner", 0), ("Ceremony", 1), ("Portraits", 2)]
    assert patch(ceremony, {"name": "CEREMONY"}).json()["name"] == "CEREMONY"  # its own name, recased
    assert_error(patch(ceremony, {"name": "dinner"}), 409, "album_exists")
    assert_error(patch(ceremony, {"position": 3}), 422, "invalid_position")
    assert_error(patch(ceremony, {"position": -1}), 422, "validation_error")
    assert_error(patch(ceremony, {"name": None}), 422, "validation_error")
    assert_error(patch(ceremony, {"name": " "}), 422, "validation_error")
    assert_error(patch(ceremony, {"name": "x" * 101}), 422, "validation_error")
    assert_error(patch(ceremony, {"colour": "red"}), 422, "validation_error")
    assert patch(ceremony, {}).json()["position"] == 1
    assert _names(media, op, project) == [("Dinner", 0), ("CEREMONY", 1), ("Portraits", 2)]

    photo = build.uploaded_photo(t)
    assert _add(media, op, ceremony["id"], [photo]).status_code == 200
    deleted = media.delete(f"/v1/albums/{ceremony['id']}", headers=bearer(op))
    assert deleted.status_code == 204 and deleted.content == b""
    assert _names(media, op, project) == [("Dinner", 0), ("Portraits", 1)]
    assert_error(media.get(f"/v1/albums/{ceremony['id']}", headers=bearer(op)), 404)
    assert db.get(Photo, photo.id) is not None  # the photos stay
    assert db.scalars(select(AlbumPhoto).where(AlbumPhoto.photo_id == photo.id)).all() == []
    assert_error(media.delete(f"/v1/albums/{ceremony['id']}", headers=bearer(ph)), 404)
    assert _create(media, op, project, "Ceremony")["position"] == 2  # the name is free again


def test_add_and_remove_photos(media: TestClient, build: Factory, db: Session) -> None:
    t, other = build.tenant(), build.tenant()
    op = t.operator_token
    now = datetime.now(UTC)
    p1, p2, p3 = (build.uploaded_photo(t, now - timedelta(minutes=i)) for i in range(3))
    processing = build.uploaded_photo(t, status="processing")
    pending = build.uploaded_photo(t, status="pending_upload")
    foreign = build.uploaded_photo(other)
    first = _create(media, op, t.project.id, "First dance")
    second = _create(media, op, t.project.id, "Best of")

    added = _add(media, t.photographer_token, first["id"], [p3, p1, p3])  # given twice: once
    assert added.status_code == 200, added.text
    assert added.json()["id"] == first["id"] and added.json()["photoCount"] == 2
    again = _add(media, op, first["id"], [p1, p2, processing, pending])  # p1 already in: unchanged
    assert again.json()["photoCount"] == 4  # the pending upload is in, not yet listed
    assert _photo_ids(media, op, first["id"]) == [str(p.id) for p in (p3, p1, p2, processing)]
    items = media.get(f"/v1/albums/{first['id']}/photos", headers=bearer(op)).json()
    assert items[0]["projectName"] == t.project.name and items[0]["status"] == "ready"
    assert "X-Amz-Signature" in items[0]["thumbnailUrl"] and items[3]["thumbnailUrl"] is None
    listed = media.get(f"/v1/operators/me/projects/{t.project.id}/photos", headers=bearer(op)).json()
    assert set(items[0]) == set(listed[0])  # the project list's item schema

    assert _add(media, op, second["id"], [p1]).json()["photoCount"] == 1  # in two albums
    assert _photo_ids(media, op, second["id"]) == [str(p1.id)]

    unknown = uuid.uuid4()
    wrong = media.post(
        f"/v1/albums/{second['id']}/photos",
        json={"photoIds": [str(p2.id), str(foreign.id), str(unknown)]},
        headers=bearer(op),
    )
    body = assert_error(wrong, 422, "photo_not_in_project")
    assert body["error"]["details"] == {"photoIds": [str(foreign.id), str(unknown)]}
    assert _photo_ids(media, op, second["id"]) == [str(p1.id)]  # nothing written, p2 neither
    too_many = {"photoIds": [str(uuid.uuid4()) for _ in range(501)]}
    assert_error(media.post(f"/v1/albums/{second['id']}/photos", json=too_many, headers=bearer(op)), 422)
    assert_error(
        media.post(f"/v1/albums/{second['id']}/photos", json={"photoIds": []}, headers=bearer(op)), 422
    )

    path = f"/v1/albums/{first['id']}/photos/{p1.id}"
    assert media.delete(path, headers=bearer(op)).status_code == 204
    assert_error(media.delete(path, headers=bearer(op)), 404)
    assert _photo_ids(media, op, first["id"]) == [str(p.id) for p in (p3, p2, processing)]
    assert _photo_ids(media, op, second["id"]) == [str(p1.id)]  # still in the other album
    assert media.get(f"/v1/albums/{first['id']}", headers=bearer(op)).json()["photoCount"] == 3
    assert _add(media, op, first["id"], [p1]).status_code == 200  # back in, at the end
    assert _photo_ids(media, op, first["id"])[-1] == str(p1.id)

    gone = media.delete(f"/v1/operators/me/projects/{t.project.id}/photos/{p2.id}", headers=bearer(op))
    assert gone.status_code == 204  # a deleted photo leaves its albums
    assert str(p2.id) not in _photo_ids(media, op, first["id"])
    assert db.scalars(select(AlbumPhoto).where(AlbumPhoto.photo_id == p2.id)).all() == []


def test_album_photos_page_in_album_order(media: TestClient, build: Factory) -> None:
    t = build.tenant()
    op = t.operator_token
    album = _create(media, op, t.project.id, "Reception")
    photos = [build.uploaded_photo(t, datetime.now(UTC) - timedelta(hours=i)) for i in range(7)]
    order = [photos[i] for i in (3, 0, 6, 1, 5, 2, 4)]  # not the capture order
    _add(media, op, album["id"], order[:4])
    _add(media, op, album["id"], order[4:])
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        response = media.get(f"/v1/albums/{album['id']}/photos", params=params, headers=bearer(op))
        assert response.status_code == 200, response.text
        seen += [p["id"] for p in response.json()]
        pages += 1
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            break
    assert seen == [str(p.id) for p in order] and pages == 3
    path = f"/v1/albums/{album['id']}/photos"
    assert_error(media.get(path, params={"cursor": "garbage"}, headers=bearer(op)), 400, "invalid_cursor")
    assert_error(media.get(path, params={"limit": 201}, headers=bearer(op)), 422)


def _routes(album_id: str, photo_id: Any, project_id: Any) -> list[Call]:
    return [
        ("GET", f"/v1/albums/{album_id}", None),
        ("PATCH", f"/v1/albums/{album_id}", {"name": "Mine now"}),
        ("DELETE", f"/v1/albums/{album_id}", None),
        ("POST", f"/v1/albums/{album_id}/photos", {"photoIds": [str(photo_id)]}),
        ("DELETE", f"/v1/albums/{album_id}/photos/{photo_id}", None),
        ("GET", f"/v1/albums/{album_id}/photos", None),
        ("GET", f"/v1/projects/{project_id}/albums", None),
        ("POST", f"/v1/projects/{project_id}/albums", {"name": "Mine now"}),
    ]


def _assert_unreachable(media: TestClient, token: str, t: Tenant, album_id: str, photo: Photo) -> None:
    for method, path, body in _routes(album_id, photo.id, t.project.id):
        response = media.request(method, path, json=body, headers=bearer(token))
        assert_error(response, 404)
        assert album_id not in response.text


def test_another_tenant_meets_404_on_every_route(media: TestClient, build: Factory) -> None:
    t, other = build.tenant(), build.tenant()
    album = _create(media, t.operator_token, t.project.id, "Ceremony")
    photo = build.uploaded_photo(t)
    _add(media, t.operator_token, album["id"], [photo])
    unassigned = token_for(build.photographer(t.operator), "photographer")  # not on this project
    for token in (other.operator_token, other.photographer_token, unassigned):
        _assert_unreachable(media, token, t, album["id"], photo)
    member = build.attendee(t.project).token  # a member is no staff: 403 on the media routes
    for method, path, body in _routes(album["id"], photo.id, t.project.id):
        assert_error(media.request(method, path, json=body, headers=bearer(member)), 403)
    # Untouched by all of the above.
    assert _names(media, t.operator_token, t.project.id) == [("Ceremony", 0)]
    assert _photo_ids(media, t.operator_token, album["id"]) == [str(photo.id)]


def test_archived_project_albums_are_the_operators_only(
    media: TestClient, build: Factory, db: Session
) -> None:
    t = build.tenant()
    album = _create(media, t.photographer_token, t.project.id, "Portraits")
    photo = build.uploaded_photo(t)
    t.project.status = "archived"
    db.commit()
    _assert_unreachable(media, t.photographer_token, t, album["id"], photo)
    assert media.get(f"/v1/albums/{album['id']}", headers=bearer(t.operator_token)).status_code == 200


STAFF_OPERATIONS = {
    ("post", "/v1/projects/{projectId}/albums"): ("create_album", "201", "AlbumOut"),
    ("get", "/v1/projects/{projectId}/albums"): ("list_project_albums", "200", "AlbumOut[]"),
    ("get", "/v1/albums/{albumId}"): ("get_album", "200", "AlbumOut"),
    ("patch", "/v1/albums/{albumId}"): ("update_album", "200", "AlbumOut"),
    ("delete", "/v1/albums/{albumId}"): ("delete_album", "204", None),
    ("post", "/v1/albums/{albumId}/photos"): ("add_album_photos", "200", "AlbumOut"),
    ("delete", "/v1/albums/{albumId}/photos/{photoId}"): ("remove_album_photo", "204", None),
    ("get", "/v1/albums/{albumId}/photos"): ("list_album_photos", "200", "PhotoListItem[]"),
}


def test_openapi_documents_the_staff_album_routes(media: TestClient) -> None:
    spec = media.get("/openapi.json").json()
    for (method, path), (operation_id, code, schema) in STAFF_OPERATIONS.items():
        operation = spec["paths"][path][method]
        assert operation["operationId"] == operation_id
        assert documented_response(operation) == (code, schema), (method, path)
    body = spec["paths"]["/v1/albums/{albumId}/photos"]["post"]["requestBody"]["content"]["application/json"]
    add = spec["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert add["properties"]["photoIds"]["maxItems"] == 500 and add["additionalProperties"] is False


def _in_parallel(calls: Sequence[Call], token: str) -> list[Any]:
    """The requests at once, each through its own client on the real session (commits for real)."""
    start = threading.Barrier(len(calls))

    def one(call: Call) -> Any:
        method, path, body = call
        with TestClient(create_app(), raise_server_exceptions=False) as client:
            start.wait()
            return client.request(method, path, json=body, headers=bearer(token))

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls))


def test_concurrent_changes_keep_positions_and_names_exact(infra: dict[str, str], committed: Session) -> None:
    build = Factory(committed)
    t = build.tenant()
    op, create = t.operator_token, f"/v1/projects/{t.project.id}/albums"
    names = ["Ceremony", "Reception", "Portraits", "Dinner", "Same", "SAME"]
    created = _in_parallel([("POST", create, {"name": name}) for name in names], op)
    assert sorted(r.status_code for r in created) == [201] * 5 + [409], [r.text for r in created]
    assert [r.json()["error"]["code"] for r in created if r.status_code == 409] == ["album_exists"]
    assert sorted(r.json()["position"] for r in created if r.status_code == 201) == list(range(5))

    albums = [r.json()["id"] for r in created if r.status_code == 201]
    moves = [("PATCH", f"/v1/albums/{a}", {"position": (i * 3) % 5}) for i, a in enumerate(albums)]
    assert all(r.status_code == 200 for r in _in_parallel(moves, op))
    with TestClient(create_app()) as client:
        assert [position for _, position in _names(client, op, t.project.id)] == list(range(5))

    photos = [build.uploaded_photo(t) for _ in range(6)]
    adds = [
        ("POST", f"/v1/albums/{albums[0]}/photos", {"photoIds": [str(p.id) for p in photos[i : i + 3]]})
        for i in range(4)
    ]
    assert all(r.status_code == 200 for r in _in_parallel(adds, op))
    rows = committed.scalars(select(AlbumPhoto).where(AlbumPhoto.album_id == uuid.UUID(albums[0]))).all()
    assert {r.photo_id for r in rows} == {p.id for p in photos}
    assert sorted(r.position for r in rows) == list(range(6))  # each photo once, one place each


def _upload_into(media: TestClient, token: str, path: str, project_id: Any, **extra: Any) -> Any:
    return media.post(path, json={"projectId": str(project_id), **extra}, headers=bearer(token))


def _album_rows(db: Session, album_id: str) -> list[tuple[str, int]]:
    rows = db.execute(
        select(AlbumPhoto.photo_id, AlbumPhoto.position)
        .where(AlbumPhoto.album_id == uuid.UUID(album_id))
        .order_by(AlbumPhoto.position)
    )
    return [(str(photo_id), position) for photo_id, position in rows]


def test_upload_urls_put_the_new_photo_in_the_album(media: TestClient, build: Factory, db: Session) -> None:
    t = build.tenant()
    album = _create(media, t.operator_token, t.project.id, "Ceremony")
    there = build.uploaded_photo(t)
    _add(media, t.operator_token, album["id"], [there])
    ids = [str(there.id)]
    for path in ("/v1/photos/upload-url", "/v1/photographers/me/photos/upload-url"):
        response = _upload_into(
            media, t.photographer_token, path, t.project.id, albumId=album["id"], title="Vows", tags=["Rings"]
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["photoId"])
    assert _album_rows(db, album["id"]) == [(photo_id, i) for i, photo_id in enumerate(ids)]
    # The resumable flow starts from such an upload URL: its photo is in the album from the start.
    photo = db.get(Photo, uuid.UUID(ids[-1]))
    assert photo is not None and photo.title == "Vows" and photo.tags == ["rings"]
    started = media.post(
        "/v1/uploads:resumable",
        json={"photoId": ids[-1], "totalBytes": 6 * 1024 * 1024, "contentType": "image/jpeg"},
        headers=bearer(t.photographer_token),
    )
    assert started.status_code == 201, started.text
    assert _album_rows(db, album["id"])[-1] == (ids[-1], 2)


def test_an_album_of_another_project_or_unknown_is_404_and_nothing_is_written(
    media: TestClient, build: Factory, db: Session
) -> None:
    t, other = build.tenant(), build.tenant()
    theirs = _create(media, other.operator_token, other.project.id, "Ceremony")
    sibling = build.project(t.operator, photographers=[t.photographer], name="Another gala")
    mine_elsewhere = _create(media, t.operator_token, sibling.id, "Ceremony")  # same operator, other project
    before = db.scalar(select(func.count()).select_from(Photo))
    for album_id in (theirs["id"], mine_elsewhere["id"], str(uuid.uuid4())):
        response = _upload_into(
            media, t.photographer_token, "/v1/photos/upload-url", t.project.id, albumId=album_id
        )
        assert_error(response, 404)
        assert album_id not in response.text
    # The other tenant's photographer cannot upload into this project's album either.
    mine = _create(media, t.operator_token, t.project.id, "Reception")
    response = _upload_into(
        media, other.photographer_token, "/v1/photos/upload-url", t.project.id, albumId=mine["id"]
    )
    assert_error(response, 404)
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Photo)) == before
    assert _album_rows(db, theirs["id"]) == [] and _album_rows(db, mine["id"]) == []


def test_a_replacing_upload_keeps_the_albums_and_joins_the_new_one(
    media: TestClient, build: Factory, db: Session
) -> None:
    t = build.tenant()
    ceremony = _create(media, t.operator_token, t.project.id, "Ceremony")
    reception = _create(media, t.operator_token, t.project.id, "Reception")
    sha = "b" * 64
    first = _upload_into(
        media,
        t.photographer_token,
        "/v1/photos/upload-url",
        t.project.id,
        albumId=ceremony["id"],
        clientSha256=sha,
    ).json()
    again = _upload_into(
        media,
        t.photographer_token,
        "/v1/photos/upload-url",
        t.project.id,
        albumId=reception["id"],
        clientSha256=sha,
    )
    assert again.status_code == 201, again.text
    new = again.json()["photoId"]
    db.expire_all()
    assert db.get(Photo, uuid.UUID(first["photoId"])) is None  # the pending one was replaced
    assert _album_rows(db, ceremony["id"]) == [(new, 0)]
    assert _album_rows(db, reception["id"]) == [(new, 0)]
