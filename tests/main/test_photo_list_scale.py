"""The photo list at 20 000 photos (api/gallery/listing.py): paging through it returns every photo
once, tagged first, newest first, across both parts of the cursor; and the plan of a deep page
reads one index range per project, so its work does not grow with the event."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql as pgsql
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from api.core.reads import Query
from api.gallery import listing
from api.models import Photo
from tests.factories import Attendee, Factory
from tests.support.http import bearer

PHOTOS = 20_000
SMALL = 300  # a second project of the member
PAGE = 100


def _bulk_photos(db: Session, project_id: uuid.UUID, n: int, start: datetime) -> list[dict[str, Any]]:
    """`n` ready photos, one a minute back from `start`, every 97th undated (sorted by upload time)."""
    rows = []
    for i in range(n):
        photo_id = uuid.uuid4()
        taken = None if i % 97 == 0 else start - timedelta(minutes=i)
        rows.append(
            {
                "id": photo_id,
                "project_id": project_id,
                "status": "ready",
                "original_key": f"photos/{project_id}/{photo_id}/original.jpg",
                "content_type": "image/jpeg",
                "taken_at": taken,
                "variants": {"thumb-400": f"photos/{project_id}/{photo_id}/thumb-400.jpg"},
                "upload_expires_at": start,
                "created_at": start - timedelta(seconds=i),
            }
        )
    db.execute(insert(Photo), rows)
    return rows


@pytest.fixture
def big_event(db: Session, build: Factory) -> tuple[Attendee, list[str]]:
    """A member of a 20 000-photo project and a small one, tagged in 40 photos of both (one tag
    soft-deleted), beside photos that must not show; and the expected order of the list."""
    start = datetime(2026, 6, 1, 20, 0, tzinfo=UTC)
    big, small, foreign = build.project(), build.project(), build.project()
    attendee = build.attendee(big)
    build.member(attendee, small)
    rows = _bulk_photos(db, big.id, PHOTOS, start) + _bulk_photos(db, small.id, SMALL, start)
    _bulk_photos(db, foreign.id, 50, start)  # not a member: hidden
    build.photo(big, status="processing")  # not ready: hidden
    tagged = {rows[i]["id"] for i in range(0, len(rows), len(rows) // 40)[:40]}
    for photo_id in tagged:
        build.tag(attendee, photo_id)
    stale = build.tag(attendee, rows[5]["id"])
    stale.deleted_at = stale.created_at  # a revoked tag: the photo is in the untagged part
    db.commit()
    db.execute(text("ANALYZE photos; ANALYZE photo_tags; ANALYZE project_members"))

    def key(row: dict[str, Any]) -> tuple[bool, datetime, str]:
        return (row["id"] in tagged, row["taken_at"] or row["created_at"], str(row["id"]))

    return attendee, [str(r["id"]) for r in sorted(rows, key=key, reverse=True)]


def test_every_photo_once_in_order_across_both_parts(
    main_api: TestClient, big_event: tuple[Attendee, list[str]]
) -> None:
    attendee, expected = big_event
    seen: list[str] = []
    tagged_flags: list[bool] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": PAGE} | ({"cursor": cursor} if cursor else {})
        response = main_api.get("/v1/photos", params=params, headers=bearer(attendee.token))
        assert response.status_code == 200, response.text
        page = response.json()
        assert 0 < len(page) <= PAGE
        seen += [p["id"] for p in page]
        tagged_flags += [p["tagged"] for p in page]
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            break
    assert len(seen) == PHOTOS + SMALL and seen == expected
    assert tagged_flags == sorted(tagged_flags, reverse=True) and sum(tagged_flags) == 40


def _plan(db: Session, query: Query, values: dict[str, Any]) -> dict[str, Any]:
    """The plan the read pool runs: its connections keep the generic plan of a statement psycopg
    prepared (plan_cache_mode, api/core/reads.py), so that plan must use the index by itself."""
    conn = db.connection().connection.driver_connection
    assert isinstance(conn, psycopg.Connection)
    params = query.params(values)
    conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    conn.execute(query.sql, params, prepare=True)
    (name,) = conn.execute(
        "SELECT name FROM pg_prepared_statements ORDER BY prepare_time DESC"
    ).fetchone() or ("",)
    # psycopg numbers the placeholders by first appearance.
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", query.sql)))
    args = pgsql.SQL(", ").join(pgsql.Literal(params[n]) for n in names)  # EXPLAIN binds nothing
    explain = pgsql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE {}({})").format(pgsql.Identifier(name), args)
    row = conn.execute(explain).fetchone()
    assert row is not None
    plan: dict[str, Any] = (row[0] if isinstance(row[0], list) else json.loads(row[0]))[0]["Plan"]
    return plan


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


def test_a_deep_page_reads_one_index_range_per_project(
    db: Session, big_event: tuple[Attendee, list[str]]
) -> None:
    """Three quarters down the event, the page reads about a page of photos per project, through
    the per-project index, and sorts nothing the size of the event."""
    attendee, expected = big_event
    deep = db.get_one(Photo, uuid.UUID(expected[PHOTOS * 3 // 4]))
    values = {
        "user_id": attendee.id,
        "limit": PAGE + 1,
        "after_at": deep.taken_at or deep.created_at,
        "after_id": deep.id,
    }
    nodes = _nodes(_plan(db, listing.AFTER_UNTAGGED, values))
    photo_scans = [n for n in nodes if n.get("Relation Name") == "photos"]
    assert photo_scans and all(n.get("Index Name") == "ix_photos_ready_sort" for n in photo_scans)
    # Rows read from photos over both projects' ranges (loops included): a page and the few tagged
    # photos skipped, per project; nowhere near the 20 000 of the event.
    read = sum(n["Actual Rows"] * n["Actual Loops"] for n in photo_scans)
    assert read <= 2 * (PAGE + 1) + 50, read
    assert all(n.get("Actual Rows", 0) <= 2 * (PAGE + 1) for n in nodes if n["Node Type"] == "Sort")
