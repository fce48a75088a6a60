"""The Stripe webhook and payment state, against the real localstripe."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import stripe
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.db import session_scope
from api.models import EmailMessage, OutboxMessage, PromoCodeUsage, Purchase, PurchaseDownload, StripeEvent
from api.purchases.service import process_stripe_event, send_purchase_confirmation
from api.settings import get_settings
from tests.factories import Factory, Shop
from tests.support.http import bearer
from tests.support.stripe import HOOK, deliver, fetch_intent, sign_stripe_payload, stripe_event
from wairo_dev.demo.attendee import pay_with_test_card
from wairo_dev.stack.processes import free_port


def _purchase(main_api: TestClient, shop: Shop, **extra: Any) -> dict[str, Any]:
    body = {"projectId": str(shop.project.id), "photoIds": [str(p.id) for p in shop.photos[:2]]} | extra
    response = main_api.post("/v1/purchases", json=body, headers=bearer(shop.buyer.token))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_pay_on_localstripe_then_webhook_marks_paid(
    main_api: TestClient, build: Factory, db: Session, infra: dict[str, str]
) -> None:
    shop = build.shop(upload=True)
    promo = build.promo(build.discount(shop.operator.id, "percentage", 20), max_uses=3)
    created = _purchase(main_api, shop, promoCode=promo.code)
    assert created["totalCents"] == 800
    intent_id = pay_with_test_card(infra["stripe"], created["clientSecret"])
    deadline = time.monotonic() + 10
    while (intent := fetch_intent(infra, intent_id))["status"] != "succeeded":
        assert time.monotonic() < deadline, intent["status"]
        time.sleep(0.2)
    assert intent["amount"] == 800 and intent["metadata"] == {"purchaseId": created["purchaseId"]}
    assert (
        main_api.get(f"/v1/photos/{shop.photos[0].id}/download", headers=bearer(shop.buyer.token)).status_code
        == 403
    )

    event_id = deliver(main_api, db, "payment_intent.succeeded", intent)
    purchase = db.get_one(Purchase, uuid.UUID(created["purchaseId"]))
    db.refresh(purchase)
    assert purchase.status == "paid" and purchase.paid_at is not None
    db.refresh(promo)
    assert promo.used_count == 1
    download = main_api.get(f"/v1/photos/{shop.photos[0].id}/download", headers=bearer(shop.buyer.token))
    assert download.status_code == 200
    listed = main_api.get("/v1/purchases", headers=bearer(shop.buyer.token)).json()
    assert listed[0]["status"] == "paid" and listed[0]["photosDownloaded"] == 1
    job = db.scalar(  # this purchase's: live tests (tests/clients) leave committed ones of their own
        select(OutboxMessage).where(
            OutboxMessage.task == "notify_purchase_confirmed",
            OutboxMessage.payload["purchaseId"].astext == created["purchaseId"],
        )
    )
    assert job is not None and job.payload == {"purchaseId": created["purchaseId"]}

    # Replay: stored once, processed once, the promo counted once.
    payload = db.get_one(
        StripeEvent, db.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event_id))
    )
    deliver(main_api, db, "payment_intent.succeeded", intent, event_id)
    deliver(main_api, db, "payment_intent.succeeded", intent)  # a second event for the same intent
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
    deliver(main_api, db, "payment_intent.succeeded", intent)
    deliver(main_api, db, "payment_intent.payment_failed", intent)
    db.refresh(purchase)
    assert purchase.status == "paid"  # never downgraded
    assert db.scalar(select(PurchaseDownload.id).where(PurchaseDownload.purchase_id == purchase.id))

    deliver(
        main_api, db, "charge.refunded", {"id": "ch_x", "object": "charge", "payment_intent": intent["id"]}
    )
    db.refresh(purchase)
    assert purchase.status == "refunded"
    assert db.scalar(select(PurchaseDownload.id).where(PurchaseDownload.purchase_id == purchase.id)) is None
    assert (
        main_api.get(f"/v1/photos/{shop.photos[0].id}/download", headers=bearer(shop.buyer.token)).status_code
        == 403
    )
    deliver(main_api, db, "payment_intent.succeeded", intent)  # a late retry does not resurrect it
    db.refresh(purchase)
    assert purchase.status == "refunded"


def test_refund_gives_the_promo_use_back(main_api: TestClient, build: Factory, db: Session) -> None:
    shop = build.shop(upload=True)
    promo = build.promo(build.discount(shop.operator.id, "percentage", 20), max_uses=1, max_uses_per_user=1)
    created = _purchase(main_api, shop, promoCode=promo.code)
    intent_id = created["clientSecret"].split("_secret_")[0]
    intent = {"id": intent_id, "object": "payment_intent", "metadata": {"purchaseId": created["purchaseId"]}}
    deliver(main_api, db, "payment_intent.succeeded", intent)
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
    deliver(main_api, db, "charge.refunded", refund)
    deliver(main_api, db, "charge.refunded", refund)  # a second refund event gives nothing more back
    db.refresh(promo)
    assert promo.used_count == 0
    assert db.scalar(select(PromoCodeUsage.id).where(PromoCodeUsage.promo_code_id == promo.id)) is None
    retry = _purchase(main_api, shop, promoCode=promo.code)  # the buyer may use it again
    assert retry["totalCents"] == 800


def test_failed_then_succeeded_is_paid(main_api: TestClient, shop: Shop, db: Session) -> None:
    created = _purchase(main_api, shop)
    intent = {"id": created["clientSecret"].split("_secret_")[0], "object": "payment_intent"}
    purchase = db.get_one(Purchase, uuid.UUID(created["purchaseId"]))
    deliver(main_api, db, "payment_intent.payment_failed", intent)
    db.refresh(purchase)
    assert purchase.status == "failed"
    deliver(main_api, db, "payment_intent.succeeded", intent)
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
        shop = Factory(session).shop(upload=True)
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


# -- Stripe errors by kind -------------------------------------------------------------------------


@pytest.fixture
def stripe_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, str], None]]:
    """Point this test's Stripe settings elsewhere (WAIRO_STRIPE_*), restored afterwards."""

    def set_env(name: str, value: str) -> None:
        monkeypatch.setenv(f"WAIRO_STRIPE_{name.upper()}", value)
        get_settings.cache_clear()

    yield set_env
    monkeypatch.undo()
    get_settings.cache_clear()


def _refused(main_api: TestClient, shop: Shop, db: Session, status: int, code: str) -> dict[str, Any]:
    """The purchase is refused with this error body and leaves no purchase behind."""
    body = {"projectId": str(shop.project.id), "photoIds": [str(shop.photos[0].id)]}
    response = main_api.post("/v1/purchases", json=body, headers=bearer(shop.buyer.token))
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert db.scalar(select(func.count()).where(Purchase.user_id == shop.buyer.id)) == 0
    if status == 503:
        assert response.headers["Retry-After"] == "5"
    else:
        assert "Retry-After" not in response.headers
    return error


def _inject(monkeypatch: pytest.MonkeyPatch, error: stripe.StripeError) -> None:
    """localstripe cannot produce this error kind: the Stripe call raises it instead."""

    def create(**_: Any) -> None:
        raise error

    monkeypatch.setattr(stripe.PaymentIntent, "create", create)


def test_amount_below_the_currency_minimum_is_422_with_stripes_message(
    main_api: TestClient, shop: Shop, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Injected: localstripe accepts any positive amount (1 cent included); Stripe answers this.
    message = "Amount must be at least €0.50 eur"
    _inject(
        monkeypatch, stripe.InvalidRequestError(message, "amount", code="amount_too_small", http_status=400)
    )
    error = _refused(main_api, shop, db, 422, "payment_rejected")
    assert error["message"] == message and error["details"] == {"stripeCode": "amount_too_small"}


def test_a_bad_api_key_is_a_logged_502(
    main_api: TestClient,
    shop: Shop,
    db: Session,
    stripe_env: Callable[[str, str], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Real: localstripe answers 401 to a key that is not a secret key (sk_...).
    stripe_env("api_key", "pk_test_not_a_secret_key")
    with caplog.at_level(logging.ERROR, logger="wairo.stripe"):
        _refused(main_api, shop, db, 502, "payment_provider_misconfigured")
    assert any("WAIRO_STRIPE_API_KEY" in r.getMessage() for r in caplog.records)


def test_a_missing_permission_is_a_502(
    main_api: TestClient, shop: Shop, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Injected: localstripe has no restricted keys, so it never answers 403.
    _inject(monkeypatch, stripe.PermissionError("The provided key does not have access.", http_status=403))
    _refused(main_api, shop, db, 502, "payment_provider_misconfigured")


def test_stripe_unreachable_is_503_with_retry_after(
    main_api: TestClient, shop: Shop, db: Session, stripe_env: Callable[[str, str], None]
) -> None:
    # Real: nothing listens on this port.
    stripe_env("api_base", f"http://127.0.0.1:{free_port()}")
    _refused(main_api, shop, db, 503, "payment_provider_unavailable")


def test_stripe_rate_limit_is_503_with_retry_after(
    main_api: TestClient, shop: Shop, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Injected: localstripe never rate-limits.
    _inject(monkeypatch, stripe.RateLimitError("Too many requests.", http_status=429))
    _refused(main_api, shop, db, 503, "payment_provider_unavailable")
