"""Checkout on the real localstripe: a buyer's new purchase supersedes their earlier unpaid one in the
project, other buyers' pending purchases reserve a promo use for the checkout window only, and a
payment Stripe took is never refused (over the cap it is recorded as an overrun)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.models import PromoCode, PromoCodeUsage, Purchase, PurchaseDownload
from api.settings import get_settings
from tests.factories import Attendee, Factory, Shop
from tests.support.http import bearer
from tests.support.stripe import deliver, fetch_intent
from wairo_dev.demo.attendee import pay_with_test_card


def _post(main_api: TestClient, shop: Shop, buyer: Attendee | None = None, **extra: Any) -> httpx.Response:
    body = {"projectId": str(shop.project.id), "photoIds": [str(shop.photos[0].id)]} | extra
    return main_api.post("/v1/purchases", json=body, headers=bearer((buyer or shop.buyer).token))


def _started(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def _intent_id(created: dict[str, Any]) -> str:
    return str(created["clientSecret"].split("_secret_")[0])


def _status(db: Session, created: dict[str, Any]) -> str | None:
    return db.scalar(select(Purchase.status).where(Purchase.id == uuid.UUID(created["purchaseId"])))


def _intent_event(main_api: TestClient, db: Session, kind: str, created: dict[str, Any]) -> None:
    """Stripe's payment_intent.<kind> webhook for this purchase's PaymentIntent."""
    intent = {"id": _intent_id(created), "object": "payment_intent"}
    deliver(
        main_api, db, f"payment_intent.{kind}", intent | {"metadata": {"purchaseId": created["purchaseId"]}}
    )


def _shop_with_code(build: Factory, **caps: Any) -> tuple[Shop, PromoCode]:
    """A shop and a promo code taking 100 cents off, with these caps."""
    shop = build.shop()
    return shop, build.promo(build.discount(shop.operator.id, "fixed", 100), **caps)


def _rival(build: Factory, shop: Shop) -> Attendee:
    rival = build.attendee()
    build.member(rival, shop.project)
    return rival


def _refund(main_api: TestClient, db: Session, created: dict[str, Any]) -> None:
    charge = {"id": f"ch_{uuid.uuid4().hex}", "object": "charge", "payment_intent": _intent_id(created)}
    deliver(main_api, db, "charge.refunded", charge)


def _uses(db: Session, promo: PromoCode) -> tuple[int, int]:
    db.refresh(promo)
    return promo.used_count, promo.overrun_count


def test_an_abandoned_checkout_is_superseded_by_the_next(
    main_api: TestClient, build: Factory, db: Session, infra: dict[str, str]
) -> None:
    """The issue's scenario: open checkout with a once-per-buyer code, close the sheet, start again."""
    shop, promo = _shop_with_code(build, max_uses_per_user=1)
    first = _started(_post(main_api, shop, promoCode=promo.code))
    second = _started(_post(main_api, shop, promoCode=promo.code))
    assert second["discountAppliedCents"] == 100
    assert (_status(db, first), _status(db, second)) == ("canceled", "pending")
    assert fetch_intent(infra, _intent_id(first))["status"] == "canceled"
    assert fetch_intent(infra, _intent_id(second))["status"] == "requires_payment_method"
    with pytest.raises(httpx.HTTPStatusError):  # the abandoned sheet can no longer be paid
        pay_with_test_card(infra["stripe"], first["clientSecret"])
    for _ in range(2):  # Stripe's own canceled event for it changes nothing, however often
        _intent_event(main_api, db, "canceled", first)
        assert _status(db, first) == "canceled"

    pay_with_test_card(infra["stripe"], second["clientSecret"])
    _intent_event(main_api, db, "succeeded", second)
    assert _status(db, second) == "paid" and _uses(db, promo) == (1, 0)
    _error(_post(main_api, shop, promoCode=promo.code), 422, "promo_code_limit_reached")  # now used


def test_a_refused_new_purchase_leaves_the_earlier_checkout_payable(
    main_api: TestClient, build: Factory, db: Session, infra: dict[str, str]
) -> None:
    """Superseding happens only once the new purchase is valid: a refused one cancels nothing."""
    shop, promo = _shop_with_code(build, max_uses_per_user=1)
    first = _started(_post(main_api, shop, promoCode=promo.code))
    _error(_post(main_api, shop, promoCode="NO-SUCH-CODE"), 422, "invalid_promo_code")
    _error(_post(main_api, shop, photoIds=[str(uuid.uuid4())]), 422, "photo_not_available")
    assert _status(db, first) == "pending"
    assert fetch_intent(infra, _intent_id(first))["status"] == "requires_payment_method"
    pay_with_test_card(infra["stripe"], first["clientSecret"])
    _intent_event(main_api, db, "succeeded", first)
    assert _status(db, first) == "paid" and _uses(db, promo) == (1, 0)


def test_superseding_a_checkout_stripe_already_charged_pays_it_and_refuses_the_new_one(
    main_api: TestClient, build: Factory, db: Session, infra: dict[str, str]
) -> None:
    shop, promo = _shop_with_code(build, max_uses=1)
    first = _started(_post(main_api, shop, promoCode=promo.code))
    pay_with_test_card(infra["stripe"], first["clientSecret"])  # paid; its webhook is still on the way

    _error(_post(main_api, shop, promoCode=promo.code), 409, "checkout_already_paid")
    assert _status(db, first) == "paid" and _uses(db, promo) == (1, 0)
    assert db.scalar(select(func.count()).where(Purchase.user_id == shop.buyer.id)) == 1  # one charge
    assert fetch_intent(infra, _intent_id(first))["status"] == "succeeded"
    purchase_id = uuid.UUID(first["purchaseId"])
    assert db.scalar(select(func.count()).where(PurchaseDownload.purchase_id == purchase_id)) == 1

    _intent_event(main_api, db, "succeeded", first)  # the webhook lands: nothing more happens
    assert _status(db, first) == "paid" and _uses(db, promo) == (1, 0)
    assert db.scalar(select(func.count()).where(PromoCodeUsage.purchase_id == purchase_id)) == 1
    _started(_post(main_api, shop))  # nothing pending any more: the next checkout starts


def test_another_buyers_reservation_lasts_the_checkout_window_and_a_late_payment_is_an_overrun(
    main_api: TestClient, build: Factory, db: Session, infra: dict[str, str]
) -> None:
    shop, promo = _shop_with_code(build, max_uses=1)
    rival = _rival(build, shop)
    held = _started(_post(main_api, shop, promoCode=promo.code))
    _error(_post(main_api, shop, rival, promoCode=promo.code), 422, "promo_code_exhausted")

    window = timedelta(seconds=get_settings().checkout_window_s)
    db.execute(
        update(Purchase)
        .where(Purchase.id == uuid.UUID(held["purchaseId"]))
        .values(created_at=func.now() - window - timedelta(seconds=1))
    )
    db.commit()
    late = _started(_post(main_api, shop, rival, promoCode=promo.code))  # the reservation lapsed
    assert late["discountAppliedCents"] == 100

    # Both sheets get paid: the first within the cap, the second over it, and neither is refused.
    for created in (held, late):
        pay_with_test_card(infra["stripe"], created["clientSecret"])
        _intent_event(main_api, db, "succeeded", created)
        assert _status(db, created) == "paid"
    assert _uses(db, promo) == (2, 1)
    discounts = db.scalars(select(Purchase.discount_applied_cents).where(Purchase.promo_code_id == promo.id))
    assert list(discounts) == [100, 100]

    # A refund gives the overrun back first; the second refund gives the last use back.
    _refund(main_api, db, late)
    assert _uses(db, promo) == (1, 0)
    _refund(main_api, db, held)
    assert _uses(db, promo) == (0, 0)


def test_stripes_canceled_event_releases_a_pending_reservation(
    main_api: TestClient, build: Factory, db: Session
) -> None:
    shop, promo = _shop_with_code(build, max_uses=1)
    rival = _rival(build, shop)
    held = _started(_post(main_api, shop, rival, promoCode=promo.code))
    _error(_post(main_api, shop, promoCode=promo.code), 422, "promo_code_exhausted")
    for _ in range(2):
        _intent_event(main_api, db, "canceled", held)
        assert _status(db, held) == "canceled"
    assert _started(_post(main_api, shop, promoCode=promo.code))["discountAppliedCents"] == 100


def test_a_late_success_on_a_canceled_purchase_is_paid(
    main_api: TestClient, build: Factory, db: Session
) -> None:
    """Money Stripe took is never refused, even for a purchase a newer checkout superseded."""
    shop, promo = _shop_with_code(build, max_uses=1)
    first = _started(_post(main_api, shop, promoCode=promo.code))
    second = _started(_post(main_api, shop, promoCode=promo.code))
    assert _status(db, first) == "canceled"
    for _ in range(2):
        _intent_event(main_api, db, "succeeded", first)
        assert _status(db, first) == "paid" and _uses(db, promo) == (1, 0)
    _intent_event(main_api, db, "canceled", first)  # a canceled event arriving after: still paid
    assert _status(db, first) == "paid"
    _intent_event(main_api, db, "succeeded", second)  # the second sheet was paid too: an overrun
    assert _status(db, second) == "paid" and _uses(db, promo) == (2, 1)
