"""The Stripe webhook and payment state, against the real localstripe."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import session_scope
from api.demo.attendee import pay_with_test_card
from api.models import EmailMessage, OutboxMessage, PromoCodeUsage, Purchase, PurchaseDownload, StripeEvent
from api.purchases.service import process_stripe_event, send_purchase_confirmation
from api.settings import get_settings
from tests.conftest import bearer
from tests.main.conftest import Builder, Shop, make_shop, sign_stripe_payload, stripe_event

HOOK = "/v1/stripe-webhook"


def _intent(infra: dict[str, str], intent_id: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {get_settings().stripe_api_key}"}
    response = httpx.get(f"{infra['stripe']}/v1/payment_intents/{intent_id}", headers=headers)
    response.raise_for_status()
    return dict(response.json())


def _deliver(
    client: TestClient, db: Session, event_type: str, obj: dict[str, Any], event_id: str | None = None
) -> str:
    payload, headers = stripe_event(event_type, obj, event_id)
    response = client.post(HOOK, content=payload, headers=headers)
    assert response.status_code == 200, response.text
    event_id = json.loads(payload)["id"]
    process_stripe_event(db, event_id)  # what the worker's job does
    db.commit()
    return str(event_id)


def _purchase(main_api: TestClient, shop: Shop, **extra: Any) -> dict[str, Any]:
    body = {"projectId": str(shop.project.id), "photoIds": [str(p.id) for p in shop.photos[:2]]} | extra
    response = main_api.post("/v1/purchases", json=body, headers=bearer(shop.buyer.token))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_pay_on_localstripe_then_webhook_marks_paid(
    main_api: TestClient, build: Builder, db: Session, infra: dict[str, str]
) -> None:
    shop = make_shop(build, upload=True)
    promo = build.promo(build.discount(shop.operator.id, "percentage", 20), max_uses=3)
    created = _purchase(main_api, shop, promoCode=promo.code)
    assert created["totalCents"] == 800
    intent_id = pay_with_test_card(infra["stripe"], created["clientSecret"])
    deadline = time.monotonic() + 10
    while (intent := _intent(infra, intent_id))["status"] != "succeeded":
        assert time.monotonic() < deadline, intent["status"]
        time.sleep(0.2)
    assert intent["amount"] == 800 and intent["metadata"] == {"purchaseId": created["purchaseId"]}
    assert (
        main_api.get(f"/v1/photos/{shop.photos[0].id}/download", headers=bearer(shop.buyer.token)).status_code
        == 403
    )

    event_id = _deliver(main_api, db, "payment_intent.succeeded", intent)
    purchase = db.get_one(Purchase, uuid.UUID(created["purchaseId"]))
    db.refresh(purchase)
    assert purchase.status == "paid" and purchase.paid_at is not None
    db.refresh(promo)
    assert promo.used_count == 1
    download = main_api.get(f"/v1/photos/{shop.photos[0].id}/download", headers=bearer(shop.buyer.token))
    assert download.status_code == 200
    listed = main_api.get("/v1/purchases", headers=bearer(shop.buyer.token)).json()
    assert listed[0]["status"] == "paid" and listed[0]["photosDownloaded"] == 1
    job = db.scalar(select(OutboxMessage).where(OutboxMessage.task == "notify_purchase_confirmed"))
    assert job is not None and job.payload == {"purchaseId": created["purchaseId"]}

    # Replay: stored once, processed once, the promo counted once.
    payload = db.get_one(
        StripeEvent, db.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event_id))
    )
    _deliver(main_api, db, "payment_intent.succeeded", intent, event_id)
    _deliver(main_api, db, "payment_intent.succeeded", intent)  # a second event for the same intent
    db.refresh(promo)
    assert promo.used_count == 1 and payload.processed_at is not None
    assert db.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event_id)) == payload.id

    # The confirmation email is queued once however often the job runs.
    send_purchase_confirmation(db, purchase.id)
    send_purchase_confirmation(db, purchase.id)
    mails = db.scalars(
        select(EmailMessage).where(
            EmailMessage.template == "purchase_confirmed", EmailMessage.to_address == shop.buyer.user.email
        )
    ).all()
    assert len(mails) == 1


def test_out_of_order_failed_after_succeeded_then_refund(
    main_api: TestClient, shop: Shop, db: Session
) -> None:
    created = _purchase(main_api, shop)
    intent = {
        "id": created["clientSecret"].split("_secret_")[0],
        "object": "payment_intent",
        "metadata": {"purchaseId": created["purchaseId"]},
    }
    purchase = db.get_one(Purchase, uuid.UUID(created["purchaseId"]))
    _deliver(main_api, db, "payment_intent.succeeded", intent)
    _deliver(main_api, db, "payment_intent.payment_failed", intent)
    db.refresh(purchase)
    assert purchase.status == "paid"  # never downgraded
    assert db.scalar(select(PurchaseDownload.id).where(PurchaseDownload.purchase_id == purchase.id))

    _deliver(
        main_api, db, "charge.refunded", {"id": "ch_x", "object": "charge", "payment_intent": intent["id"]}
    )
    db.refresh(purchase)
    assert purchase.status == "refunded"
    assert db.scalar(select(PurchaseDownload.id).where(PurchaseDownload.purchase_id == purchase.id)) is None
    assert (
        main_api.get(f"/v1/photos/{shop.photos[0].id}/download", headers=bearer(shop.buyer.token)).status_code
        == 403
    )
    _deliver(main_api, db, "payment_intent.succeeded", intent)  # a late retry does not resurrect it
    db.refresh(purchase)
    assert purchase.status == "refunded"


def test_refund_gives_the_promo_use_back(main_api: TestClient, build: Builder, db: Session) -> None:
    shop = make_shop(build, upload=True)
    promo = build.promo(build.discount(shop.operator.id, "percentage", 20), max_uses=1, max_uses_per_user=1)
    created = _purchase(main_api, shop, promoCode=promo.code)
    intent_id = created["clientSecret"].split("_secret_")[0]
    intent = {"id": intent_id, "object": "payment_intent", "metadata": {"purchaseId": created["purchaseId"]}}
    _deliver(main_api, db, "payment_intent.succeeded", intent)
    db.refresh(promo)
    assert promo.used_count == 1
    again = main_api.post(
        "/v1/purchases",
        json={
            "projectId": str(shop.project.id),
            "photoIds": [str(shop.photos[2].id)],
            "promoCode": promo.code,
        },
        headers=bearer(shop.buyer.token),
    )
    assert again.status_code == 422  # used up

    refund = {"id": "ch_promo", "object": "charge", "payment_intent": intent_id}
    _deliver(main_api, db, "charge.refunded", refund)
    _deliver(main_api, db, "charge.refunded", refund)  # a second refund event gives nothing more back
    db.refresh(promo)
    assert promo.used_count == 0
    assert db.scalar(select(PromoCodeUsage.id).where(PromoCodeUsage.promo_code_id == promo.id)) is None
    retry = _purchase(main_api, shop, promoCode=promo.code)  # the buyer may use it again
    assert retry["totalCents"] == 800


def test_failed_then_succeeded_is_paid(main_api: TestClient, shop: Shop, db: Session) -> None:
    created = _purchase(main_api, shop)
    intent = {"id": created["clientSecret"].split("_secret_")[0], "object": "payment_intent"}
    purchase = db.get_one(Purchase, uuid.UUID(created["purchaseId"]))
    _deliver(main_api, db, "payment_intent.payment_failed", intent)
    db.refresh(purchase)
    assert purchase.status == "failed"
    _deliver(main_api, db, "payment_intent.succeeded", intent)
    db.refresh(purchase)
    assert purchase.status == "paid"


def test_bad_signatures_are_400(main_api: TestClient, db: Session) -> None:
    payload, headers = stripe_event("payment_intent.succeeded", {"id": "pi_x"})
    for bad in (
        {},
        {"Stripe-Signature": "garbage"},
        {"Stripe-Signature": sign_stripe_payload(payload, secret="whsec_someone_else")},
        {"Stripe-Signature": sign_stripe_payload(payload, timestamp=int(time.time()) - 3600)},
    ):
        response = main_api.post(HOOK, content=payload, headers=bad)
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_webhook"
    tampered = main_api.post(HOOK, content=payload.replace(b"pi_x", b"pi_y"), headers=headers)
    assert tampered.status_code == 400
    not_json = b"not json"
    response = main_api.post(
        HOOK, content=not_json, headers={"Stripe-Signature": sign_stripe_payload(not_json)}
    )
    assert response.status_code == 400
    assert (
        db.scalar(
            select(StripeEvent.id).where(
                StripeEvent.type == "payment_intent.succeeded",
                StripeEvent.payload["data"]["object"]["id"].astext == "pi_x",
            )
        )
        is None
    )


def test_localstripe_delivers_its_own_signed_webhook(live_main_api: str, infra: dict[str, str]) -> None:
    """A real main API on the webhook port, real commits: localstripe's webhook arrives by itself."""
    with session_scope() as session:
        shop = make_shop(Builder(session), upload=True)
    body = {"projectId": str(shop.project.id), "photoIds": [str(shop.photos[0].id)]}
    with httpx.Client(base_url=live_main_api, headers=bearer(shop.buyer.token), timeout=30) as api:
        created = api.post("/v1/purchases", json=body).json()
        intent_id = pay_with_test_card(infra["stripe"], created["clientSecret"])
        deadline = time.monotonic() + 20
        event_id = None
        while event_id is None:
            assert time.monotonic() < deadline, "localstripe's webhook never arrived"
            time.sleep(0.3)
            with session_scope() as session:
                event_id = session.scalar(
                    select(StripeEvent.event_id).where(
                        StripeEvent.type == "payment_intent.succeeded",
                        StripeEvent.payload["data"]["object"]["id"].astext == intent_id,
                    )
                )
        with session_scope() as session:
            process_stripe_event(session, event_id)
        mine = api.get("/v1/purchases").json()
        assert mine[0]["id"] == created["purchaseId"] and mine[0]["status"] == "paid"
        download = api.get(f"/v1/photos/{shop.photos[0].id}/download")
        assert download.status_code == 200
        assert httpx.get(download.json()["downloadUrl"]).status_code == 200
