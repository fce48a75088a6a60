"""Albums on the main API: a member browses the albums of a project it joined, with the ready
photos only, each with the `GET /v1/photos` item's flags; anyone else meets a 404."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.models import Album, AlbumPhoto, Photo, Project
from tests.factories import Factory, Shop
from tests.support.http import assert_error, bearer
from tests.support.openapi import documented_response


def _album(db: Session, project: Project, name: str, position: int, photos: list[Photo]) -> Album:
    """An album as the staff's media API leaves it (tests/media/test_albums.py drives that)."""
    album = Album(project_id=project.id, name=name, position=position)
    db.add(album)
    db.flush()
    db.add_all(AlbumPhoto(album_id=album.id, photo_id=p.id, position=i) for i, p in enumerate(photos))
    db.commit()
    return album


def _get(main_api: TestClient, token: str, path: str, **params: Any) -> Any:
    response = main_api.get(path, params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response


def test_member_sees_ready_photos_in_album_order_with_flags(
    main_api: TestClient, build: Factory, db: Session, shop: Shop
) -> None:
    token = shop.buyer.token
    ready = shop.photos
    processing = build.photo(shop.project, status="processing")
    failed = build.photo(shop.project, status="failed")
    hidden = build.photo(shop.project, visibility="hidden")  # culled by the photographer
    ceremony = _album(db, shop.project, "Ceremony", 1, [ready[2], processing, ready[0], failed, hidden])
    reception = _album(db, shop.project, "Reception", 0, [ready[0], ready[1]])  # ready[0] in both
    _album(db, build.project(), "Elsewhere", 0, [])  # another project's
    build.tag(shop.buyer, ready[2])
    build.paid_purchase(shop.project, shop.buyer, [ready[0]])
    assert main_api.post(f"/v1/photos/{ready[2].id}/favourite", headers=bearer(token)).status_code == 200

    albums = _get(main_api, token, f"/v1/projects/{shop.project.id}/albums").json()
    assert [(a["name"], a["position"], a["photoCount"]) for a in albums] == [
        ("Reception", 0, 2),
        ("Ceremony", 1, 2),  # the processing, failed and hidden photos are not counted
    ]
    assert albums[1] == _get(main_api, token, f"/v1/albums/{ceremony.id}").json()
    assert set(albums[0]) == {"id", "projectId", "name", "position", "photoCount", "createdAt"}

    response = _get(main_api, token, f"/v1/albums/{ceremony.id}/photos")
    photos = response.json()
    assert [p["id"] for p in photos] == [str(ready[2].id), str(ready[0].id)]
    assert "X-Next-Cursor" not in response.headers
    listed = {p["id"]: p for p in _get(main_api, token, "/v1/photos").json()}
    for photo in photos:
        assert photo == listed[photo["id"]]  # exactly the item of GET /v1/photos
    tagged, bought = photos
    assert tagged["tagged"] is True and tagged["isFavourite"] is True and tagged["hasPurchase"] is False
    assert bought["tagged"] is False and bought["isFavourite"] is False and bought["hasPurchase"] is True
    assert "thumb-400.jpg" in bought["thumbnailUrl"] and "X-Amz-Signature" in bought["thumbnailUrl"]
    other = _get(main_api, token, f"/v1/albums/{reception.id}/photos").json()
    assert [p["id"] for p in other] == [str(ready[0].id), str(ready[1].id)]

    stranger = build.attendee(shop.project).token  # another member: its own flags
    theirs = _get(main_api, stranger, f"/v1/albums/{ceremony.id}/photos").json()
    assert not any(p["tagged"] or p["isFavourite"] or p["hasPurchase"] for p in theirs)


def test_album_photos_page_over_several_pages(main_api: TestClient, build: Factory, db: Session) -> None:
    shop = build.shop(photos=7)
    order = [shop.photos[i] for i in (4, 1, 6, 0, 3, 5, 2)]
    album = _album(db, shop.project, "Portraits", 0, order)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = _get(main_api, shop.buyer.token, f"/v1/albums/{album.id}/photos", **params)
        seen += [p["id"] for p in response.json()]
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            break
    assert seen == [str(p.id) for p in order]
    path = f"/v1/albums/{album.id}/photos"
    bad = main_api.get(path, params={"cursor": "bm9wZQ"}, headers=bearer(shop.buyer.token))
    assert_error(bad, 400, "invalid_cursor")


def _member_routes(album: Album) -> list[str]:
    return [
        f"/v1/projects/{album.project_id}/albums",
        f"/v1/albums/{album.id}",
        f"/v1/albums/{album.id}/photos",
    ]


def test_non_members_and_hidden_projects_meet_404(
    main_api: TestClient, build: Factory, db: Session, shop: Shop
) -> None:
    album = _album(db, shop.project, "Ceremony", 0, shop.photos)
    elsewhere = build.attendee(build.project()).token  # a member of another project
    outsider = build.attendee().token
    for token in (elsewhere, outsider):
        for path in _member_routes(album):
            response = main_api.get(path, headers=bearer(token))
            assert_error(response, 404)
            assert str(album.id) not in response.text
    for path in _member_routes(album):
        assert_error(main_api.get(path), 401)
        staff = build.tenant().operator_token  # a backoffice token is not for the main API
        assert_error(main_api.get(path, headers=bearer(staff)), 401)
    for status in ("draft", "archived"):
        shop.project.status = status
        db.commit()
        for path in _member_routes(album):
            assert_error(main_api.get(path, headers=bearer(shop.buyer.token)), 404)
    shop.project.status = "closed"  # members keep everything
    db.commit()
    for path in _member_routes(album):
        _get(main_api, shop.buyer.token, path)


def test_openapi_documents_the_member_album_routes(main_api: TestClient) -> None:
    spec = main_api.get("/openapi.json").json()
    expected = {
        "/v1/projects/{projectId}/albums": ("list_my_project_albums", ("200", "AlbumOut[]")),
        "/v1/albums/{albumId}": ("get_my_album", ("200", "AlbumOut")),
        "/v1/albums/{albumId}/photos": ("list_my_album_photos", ("200", "PhotoSummary[]")),
    }
    for path, (operation_id, response) in expected.items():
        assert set(spec["paths"][path]) == {"get"}
        operation = spec["paths"][path]["get"]
        assert operation["operationId"] == operation_id
        assert documented_response(operation) == response
