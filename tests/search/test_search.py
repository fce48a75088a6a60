"""`GET /v1/search/photos` on the media API (staff) and the main API (members), on real Postgres:
every qualifier, paging, tenancy from the other side, errors with positions, and the plans at
20 000 photos."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from api.models import Album, AlbumPhoto, Favourite, Photo
from api.search import conditions as sql
from api.search import query as q
from tests.factories import Factory, Tenant, token_for
from tests.support.http import assert_error, bearer

DAY = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


class Event:
    """One tenant's event: photos with titles, tags, files, days, cameras and face counts."""

    def __init__(self, build: Factory) -> None:
        self.t: Tenant = build.tenant()
        self.guest = build.attendee(self.t.project)
        canon = {"make": "Canon", "model": "Canon EOS R5"}
        nikon = {"make": "NIKON CORPORATION", "model": "NIKON Z 6"}
        p = self.t.photographer

        def photo(**fields: Any) -> Photo:
            return build.photo(self.t.project, photographer=p, **fields)

        self.dance = photo(title="First dance", tags=["reception"], taken_at=DAY, face_count=2, exif=canon)
        self.floor = photo(file_name="dance-floor_042.jpg", taken_at=DAY + timedelta(days=1), face_count=5)
        self.pets = photo(title="Ring bearer", tags=["pets", "ceremony"], taken_at=DAY - timedelta(days=1))
        self.cake = photo(title="Cake", face_count=0, exif=nikon, taken_at=DAY + timedelta(hours=2))
        self.failed = photo(title="Dancing blur", status="failed")
        self.ceremony = build.add(Album(project_id=self.t.project.id, name="Ceremony", position=0))
        build.session.execute(
            insert(AlbumPhoto).values(
                [
                    {"album_id": self.ceremony.id, "photo_id": self.pets.id, "position": 0},
                    {"album_id": self.ceremony.id, "photo_id": self.dance.id, "position": 1},
                ]
            )
        )
        build.tag(self.guest, self.dance)
        build.add(Favourite(user_id=self.guest.id, photo_id=self.cake.id))
        build.paid_purchase(self.t.project, self.guest, [self.pets])


@pytest.fixture
def event(build: Factory) -> Event:
    return Event(build)


def _ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {p["id"] for p in response.json()["photos"]}


def _staff(media: TestClient, e: Event, query: str, token: str | None = None) -> set[str]:
    return _ids(
        media.get("/v1/search/photos", params={"q": query}, headers=bearer(token or e.t.operator_token))
    )


def test_staff_qualifiers(media: TestClient, event: Event) -> None:
    e = event
    ids = {name: str(getattr(e, name).id) for name in ("dance", "floor", "pets", "cake", "failed")}
    cases = {
        "dance": {"dance", "floor"},  # the title, the file name (split at '-', '_' and '.')
        "dan": {"dance", "floor", "failed"},  # a word matches as a prefix: "dancing" too
        '"first dance"': {"dance"},
        '"dance first"': set(),  # a phrase keeps its order
        "042": {"floor"},
        "tag:pets": {"pets"},
        "tag:reception dance": {"dance"},
        f"album:{e.ceremony.id}": {"pets", "dance"},
        'album:"ceremony"': {"pets", "dance"},  # a name is exact but case-insensitive
        'album:"Cer"': set(),
        "taken:2026-06-01": {"dance", "cake"},
        "taken:2026-05-31..2026-06-01": {"pets", "dance", "cake"},
        "taken:>=2026-06-02": {"floor"},
        "taken:<2026-06-01": {"pets"},
        'camera:"Canon EOS R5"': {"dance"},
        'camera:"nikon corporation nikon z 6"': {"cake"},
        "faces:0": {"cake"},
        "faces:>2": {"floor"},
        "faces:1..2": {"dance"},
        "status:failed": {"failed"},
        f"person:{e.guest.id}": {"dance"},
        f"project:{e.t.project.id} tag:ceremony": {"pets"},
        "photographer:me": set(),  # an operator is no photographer
        f"photographer:{e.t.photographer.id} faces:0": {"cake"},
    }
    for query, expected in cases.items():
        assert _staff(media, e, query) == {ids[n] for n in expected}, query
    assert _staff(media, e, "photographer:me faces:0", e.t.photographer_token) == {ids["cake"]}


def test_staff_search_pages_and_stays_in_the_tenant(media: TestClient, build: Factory, event: Event) -> None:
    other = Event(build)  # another operator's identical event
    seen: list[str] = []
    cursor = None
    while True:
        params = {"q": "", "limit": 2} | ({"cursor": cursor} if cursor else {})
        body = media.get("/v1/search/photos", params=params, headers=bearer(event.t.operator_token)).json()
        seen += [p["id"] for p in body["photos"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
    mine = {str(getattr(event, n).id) for n in ("dance", "floor", "pets", "cake", "failed")}
    assert len(seen) == len(set(seen)) == 5 and set(seen) == mine
    theirs = {str(getattr(other, n).id) for n in ("dance", "floor", "pets", "cake", "failed")}
    assert not _staff(media, event, f"project:{other.t.project.id}")
    assert not _staff(media, event, f"album:{other.ceremony.id}") & theirs
    # a photographer not assigned to the project sees none of it
    outsider = build.photographer(event.t.operator)
    assert not _staff(media, event, "", token_for(outsider, "photographer"))


def test_members_search_their_ready_photos(main_api: TestClient, build: Factory, event: Event) -> None:
    e = event
    token = e.guest.token

    def find(query: str) -> set[str]:
        return _ids(main_api.get("/v1/search/photos", params={"q": query}, headers=bearer(token)))

    ids = {name: str(getattr(e, name).id) for name in ("dance", "floor", "pets", "cake")}
    assert find("dance") == {ids["dance"], ids["floor"]}  # the failed photo is not shown
    assert find("tagged:me") == {ids["dance"]}
    assert find("favourite:me") == {ids["cake"]}
    assert find("bought:me") == {ids["pets"]}
    body = main_api.get("/v1/search/photos", params={"q": "tag:pets"}, headers=bearer(token)).json()
    (item,) = body["photos"]
    assert item["hasPurchase"] is True and item["tagged"] is False and item["thumbnailUrl"]
    other = Event(build)
    assert not find(f"project:{other.t.project.id}") and not find(f"album:{other.ceremony.id}")
    assert_error(main_api.get("/v1/search/photos", params={"q": "status:failed"}, headers=bearer(token)), 400)
    outsider = build.attendee()
    response = main_api.get("/v1/search/photos", params={"q": "dance"}, headers=bearer(outsider.token))
    assert _ids(response) == set()


def test_a_malformed_query_is_400_with_its_position(
    media: TestClient, main_api: TestClient, event: Event
) -> None:
    response = media.get(
        "/v1/search/photos", params={"q": "dance taken:2026-13-01"}, headers=bearer(event.t.operator_token)
    )
    body = assert_error(response, 400, "invalid_query")
    assert body["error"]["details"] == {"position": 12}
    member = main_api.get("/v1/search/photos", params={"q": 'x "open'}, headers=bearer(event.guest.token))
    assert assert_error(member, 400, "invalid_query")["error"]["details"] == {"position": 2}
    assert_error(
        media.get("/v1/search/photos", params={"q": "x" * 501}, headers=bearer(event.t.operator_token)), 422
    )
    assert_error(media.get("/v1/search/photos", params={"q": "x"}), 401)


PHOTOS = 20_000


@pytest.fixture
def big(build: Factory, db: Session) -> Tenant:
    """20 000 photos in one project, 1 in 100 titled "sunset", 1 in 200 tagged "pets"; statistics
    gathered as autovacuum would after such a load."""
    t = build.tenant()
    db.execute(
        text(
            """
            INSERT INTO photos (id, project_id, status, original_key, content_type, upload_expires_at,
                                title, tags, file_name, taken_at)
            SELECT gen_random_uuid(), :project, 'ready', 'photos/big/' || i, 'image/jpeg', now(),
                   CASE WHEN i % 100 = 0 THEN 'Sunset over the lake' ELSE 'Guests ' || i END,
                   CASE WHEN i % 200 = 0 THEN ARRAY['pets'] ELSE ARRAY['crowd'] END,
                   'IMG_' || i || '.jpg', now() - i * interval '1 minute'
            FROM generate_series(1, :n) AS i
            """
        ),
        {"project": t.project.id, "n": PHOTOS},
    )
    db.execute(text("ANALYZE photos"))
    return t


def _plan_indexes(db: Session, where: Any) -> set[str]:
    """The indexes in the plan of `SELECT id FROM photos WHERE <where>` with its values bound."""
    compiled = select(Photo.id).where(where).compile(dialect=db.get_bind().dialect)
    (raw,) = db.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).one()
    plan = raw if isinstance(raw, list) else json.loads(raw)

    def walk(node: dict[str, Any]) -> set[str]:
        here = {node["Index Name"]} if "Index Name" in node else set()
        return here.union(*(walk(child) for child in node.get("Plans", [])))

    return walk(plan[0]["Plan"])


def test_free_words_and_tags_use_their_indexes_at_20000_photos(db: Session, big: Tenant) -> None:
    (word,) = sql.conditions(q.parse("sunset", q.STAFF_QUALIFIERS), sql.Caller())
    assert "ix_photos_search_document" in _plan_indexes(db, word)
    (tag,) = sql.conditions(q.parse("tag:pets", q.STAFF_QUALIFIERS), sql.Caller())
    assert "ix_photos_tags" in _plan_indexes(db, tag)
    found = db.scalars(select(Photo.id).where(Photo.project_id == big.project.id, word)).all()
    assert len(found) == PHOTOS // 100
