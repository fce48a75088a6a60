"""What was bought survives deletions, on the real stack: real commits, the real worker deleting from
the moto S3 server, presigned URLs fetched over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.storage import default_bucket, ensure_bucket, s3
from api.jobs.outbox import relay_pending
from api.media.retention import retained_key
from api.media.service import VARIANTS, photo_key
from api.models import Photo, Project, Purchase, PurchaseDownload, PurchaseItem
from api.purchases.service import mark_canceled, mark_paid, mark_refunded
from tests.factories import Factory, Tenant
from tests.support.http import bearer, wait_until


def _object(bucket: str, key: str) -> bytes | None:
    try:
        return bytes(s3().get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3().exceptions.NoSuchKey:
        return None


def _keys(photo_id: uuid.UUID, project_id: uuid.UUID) -> list[str]:
    return [photo_key(project_id, photo_id, name) for name in ("original", *VARIANTS)]


def _stored_photo(session: Session, t: Tenant, bucket: str, name: str) -> Photo:
    """A ready photo whose original and variants are really in `bucket` (each object's bytes name it)."""
    photo_id = uuid.uuid4()
    for key in _keys(photo_id, t.project.id):
        s3().put_object(Bucket=bucket, Key=key, Body=f"{key}:{'x' * 2048}".encode(), ContentType="image/jpeg")
    photo = Factory(session).photo(
        t.project,
        id=photo_id,
        photographer_id=t.photographer.id,
        original_key=photo_key(t.project.id, photo_id),
        file_name=name,
        size_bytes=2048,
        variants={n: photo_key(t.project.id, photo_id, n) for n in VARIANTS},
        width=None,
        height=None,
    )
    session.expunge(photo)  # a plain record: the tests delete its row
    return photo


def _shop(session: Session, bucket: str | None = None) -> tuple[Tenant, list[Photo], str]:
    """A live project (in `bucket` when given) with two stored photos, priced 500 cents, and a
    member; returns the tenant, the photos and the member's token."""
    build = Factory(session)
    t = build.tenant()
    if bucket is not None:
        ensure_bucket(bucket)
        session.get_one(Project, t.project.id).bucket = bucket
    build.price(t.operator, 500)
    photos = [_stored_photo(session, t, bucket or default_bucket(), n) for n in ("bought.jpg", "other.jpg")]
    return t, photos, build.attendee(t.project).token


def _start_purchase(main: TestClient, token: str, t: Tenant, photo: Photo) -> uuid.UUID:
    """A purchase of `photo` made through the API (pending until paid or canceled)."""
    response = main.post(
        "/v1/purchases",
        json={"projectId": str(t.project.id), "photoIds": [str(photo.id)]},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["purchaseId"])


def _buy(session: Session, main: TestClient, token: str, t: Tenant, photo: Photo) -> uuid.UUID:
    """A purchase made through the API and marked paid as the Stripe webhook does."""
    purchase_id = _start_purchase(main, token, t, photo)
    assert mark_paid(session, session.get_one(Purchase, purchase_id))
    session.commit()
    return purchase_id


def _download(main: TestClient, token: str, photo_id: uuid.UUID) -> bytes:
    response = main.get(f"/v1/photos/{photo_id}/download", headers=bearer(token))
    assert response.status_code == 200, response.text
    fetched = httpx.get(response.json()["downloadUrl"], timeout=30)
    assert fetched.status_code == 200
    return fetched.content


def _operator_view(backoffice: TestClient, t: Tenant, purchase_id: uuid.UUID) -> dict[str, Any]:
    headers = bearer(t.operator_token)
    views = {
        "orders": backoffice.get("/v1/purchases", headers=headers),
        "detail": backoffice.get(f"/v1/purchases/{purchase_id}", headers=headers),
        "analytics": backoffice.get("/v1/analytics", headers=headers),
    }
    assert all(r.status_code == 200 for r in views.values()), {k: r.text for k, r in views.items()}
    body = {name: r.json() for name, r in views.items()}
    analytics = body.pop("analytics")  # photos and members go with a deletion; the money stays
    body["revenue"] = {
        "kpis": {k: analytics["kpis"][k] for k in ("revenueInCents", "purchasesMade")},
        "byProject": analytics["revenueByProject"],
        "purchased": analytics["conversionFunnel"]["purchased"],
    }
    return body


def _bought_rows(session: Session, purchase_id: uuid.UUID) -> tuple[int, int]:
    session.expire_all()
    items = session.scalar(select(func.count()).where(PurchaseItem.purchase_id == purchase_id))
    rights = session.scalar(select(func.count()).where(PurchaseDownload.purchase_id == purchase_id))
    return items or 0, rights or 0


def test_deleted_photo_stays_bought_until_refunded(
    live_media: TestClient, live_main: TestClient, live_backoffice: TestClient, committed: Session
) -> None:
    t, (bought, other), token = _shop(committed)
    bucket = default_bucket()
    purchase_id = _buy(committed, live_main, token, t, bought)
    share = live_main.post(f"/v1/photos/{bought.id}/shares", json={}, headers=bearer(token))
    assert share.status_code == 201, share.text
    watermarked = _object(bucket, bought.variants["watermarked"])
    assert watermarked and _download(live_main, token, bought.id) == watermarked
    before = _operator_view(live_backoffice, t, purchase_id)

    for photo in (bought, other):
        path = f"/v1/photographers/me/projects/{t.project.id}/photos/{photo.id}"
        assert live_media.delete(path, headers=bearer(t.photographer_token)).status_code == 204

    committed.expire_all()
    assert committed.get(Photo, bought.id) is None
    assert _bought_rows(committed, purchase_id) == (1, 1)
    item = committed.scalars(select(PurchaseItem).where(PurchaseItem.purchase_id == purchase_id)).one()
    assert (item.photo_name, item.retained_bucket, item.retained_key) == (
        "bought.jpg",
        bucket,
        retained_key(bought.id),
    )
    gone = [*_keys(bought.id, t.project.id), *_keys(other.id, t.project.id)]
    wait_until(lambda: all(_object(bucket, k) is None for k in gone), what="the photos' objects deleted")
    assert _object(bucket, retained_key(bought.id)) == watermarked

    # The buyer keeps downloading and sharing it; it is in no listing; the operator's view is unchanged.
    assert _download(live_main, token, bought.id) == watermarked
    opened = live_main.get(f"/v1/shares/{share.json()['token']}")
    assert opened.status_code == 200, opened.text
    assert httpx.get(opened.json()["url"], timeout=30).content == watermarked
    listed = live_main.get("/v1/photos", headers=bearer(token))
    assert listed.status_code == 200 and listed.json() == []
    after = _operator_view(live_backoffice, t, purchase_id)
    before["detail"]["downloads"][0]["downloadCount"] += 1  # the download above
    assert after == before

    # A refund releases the retained object: purged, the download refused, the share link dead.
    assert mark_refunded(committed, committed.get_one(Purchase, purchase_id))
    committed.commit()
    relay_pending()
    wait_until(lambda: _object(bucket, retained_key(bought.id)) is None, what="the retained object purged")
    committed.expire_all()
    assert committed.get_one(PurchaseItem, (purchase_id, bought.id)).retained_key is None
    refused = live_main.get(f"/v1/photos/{bought.id}/download", headers=bearer(token))
    assert refused.status_code == 404, refused.text
    assert live_main.get(f"/v1/shares/{share.json()['token']}").status_code == 404


def test_refund_keeps_an_object_another_buyer_holds(
    live_media: TestClient, live_main: TestClient, committed: Session
) -> None:
    t, (bought, _), token = _shop(committed)
    second_token = Factory(committed).attendee(t.project).token
    first_purchase = _buy(committed, live_main, token, t, bought)
    _buy(committed, live_main, second_token, t, bought)
    path = f"/v1/operators/me/projects/{t.project.id}/photos/{bought.id}"
    assert live_media.delete(path, headers=bearer(t.operator_token)).status_code == 204
    assert mark_refunded(committed, committed.get_one(Purchase, first_purchase))
    committed.commit()
    relay_pending()
    assert _download(live_main, second_token, bought.id) == _object(default_bucket(), retained_key(bought.id))
    assert live_main.get(f"/v1/photos/{bought.id}/download", headers=bearer(token)).status_code == 403


def test_a_canceled_checkout_releases_the_retained_copy_it_held(
    live_media: TestClient, live_main: TestClient, committed: Session
) -> None:
    """A pending purchase holds a deleted photo's copy (its payment may still land); once it is
    canceled nothing holds it and the copy is purged."""
    t, (photo, _), token = _shop(committed)
    purchase_id = _start_purchase(live_main, token, t, photo)
    path = f"/v1/operators/me/projects/{t.project.id}/photos/{photo.id}"
    assert live_media.delete(path, headers=bearer(t.operator_token)).status_code == 204
    assert _object(default_bucket(), retained_key(photo.id)) is not None
    assert mark_canceled(committed, committed.get_one(Purchase, purchase_id))
    committed.commit()
    relay_pending()
    wait_until(lambda: _object(default_bucket(), retained_key(photo.id)) is None, what="the copy purged")
    committed.expire_all()
    assert committed.get_one(PurchaseItem, (purchase_id, photo.id)).retained_key is None


def test_project_deletion_keeps_what_was_bought_even_when_its_bucket_goes(
    live_main: TestClient, live_backoffice: TestClient, committed: Session
) -> None:
    """The project's own bucket (as in Kubernetes mode) is removed after the deletion, as the
    operator's finalizer does: the retained copy lives in the platform bucket."""
    own = f"wairo-p-{uuid.uuid4().hex[:20]}"
    t, (bought, _), token = _shop(committed, bucket=own)
    project_id, project_name = t.project.id, t.project.name
    purchase_id = _buy(committed, live_main, token, t, bought)
    watermarked = _object(own, bought.variants["watermarked"])
    assert watermarked and _download(live_main, token, bought.id) == watermarked
    before = _operator_view(live_backoffice, t, purchase_id)
    mine_before = live_main.get("/v1/purchases", headers=bearer(token)).json()

    deleted = live_backoffice.delete(f"/v1/projects/{project_id}", headers=bearer(t.operator_token))
    assert deleted.status_code == 204, deleted.text
    wait_until(
        lambda: not s3().list_objects_v2(Bucket=own).get("KeyCount"), what="the project's objects deleted"
    )
    s3().delete_bucket(Bucket=own)  # the operator's finalizer

    committed.expire_all()
    assert committed.get(Project, project_id) is None
    purchase = committed.get_one(Purchase, purchase_id)
    assert (purchase.project_id, purchase.project_name, purchase.status) == (None, project_name, "paid")
    assert _bought_rows(committed, purchase_id) == (1, 1)
    assert _download(live_main, token, bought.id) == watermarked
    assert _object(default_bucket(), retained_key(bought.id)) == watermarked

    after = _operator_view(live_backoffice, t, purchase_id)
    for order in (*before["orders"]["items"], before["detail"]):
        order["project"]["id"] = None
    before["detail"]["downloads"][0]["downloadCount"] += 1
    before["revenue"]["byProject"][0]["projectId"] = None
    assert after == before
    mine = live_main.get("/v1/purchases", headers=bearer(token)).json()
    mine_before[0]["projectId"] = None
    assert mine == mine_before
