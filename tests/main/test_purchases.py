"""Purchase creation: membership, photos, price resolution, discounts, promo codes, concurrency."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.db import session_scope
from api.models import PromoCode, PromoCodeUsage, Purchase, PurchaseDownload
from tests.factories import Factory, Shop
from tests.support.http import bearer

URL = "/v1/purchases"


def _buy(client: TestClient, shop: Shop, photos: int = 1, **extra: Any) -> Any:
    body = {"projectId": str(shop.project.id), "photoIds": [str(p.id) for p in shop.photos[:photos]]} | extra
    return client.post(URL, json=body, headers=bearer(shop.buyer.token))


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_purchase_creates_a_payment_intent(main_api: TestClient, shop: Shop, db: Session) -> None:
    response = _buy(main_api, shop, photos=2)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["subtotalCents"] == 1000 and body["discountAppliedCents"] == 0 and body["totalCents"] == 1000
    assert body["clientSecret"].startswith("pi_")
    purchase = db.get_one(Purchase, uuid.UUID(body["purchaseId"]))
    assert purchase.status == "pending" and purchase.currency == "eur"
    assert purchase.stripe_payment_intent_id == body["clientSecret"].split("_secret_")[0]


def test_duplicate_photo_ids_are_counted_once(main_api: TestClient, shop: Shop) -> None:
    photo = str(shop.photos[0].id)
    body = {"projectId": str(shop.project.id), "photoIds": [photo, photo, photo]}
    response = main_api.post(URL, json=body, headers=bearer(shop.buyer.token))
    assert response.status_code == 201 and response.json()["subtotalCents"] == 500


def test_project_rule_beats_operator_default(main_api: TestClient, build: Factory, shop: Shop) -> None:
    build.price(shop.operator.id, 300, shop.project)
    build.price(shop.operator.id, 100, shop.project, is_active=False)
    build.price(shop.operator.id, 50, shop.project, valid_from=datetime.now(UTC) + timedelta(days=1))
    assert _buy(main_api, shop).json()["subtotalCents"] == 300


def test_no_active_rule_is_422(main_api: TestClient, build: Factory) -> None:
    operator = build.operator()
    project = build.project(operator)
    buyer = build.attendee()
    build.member(buyer, project)
    build.price(operator.id, 500, is_active=False)
    build.price(
        operator.id,
        500,
        valid_until=datetime.now(UTC) - timedelta(days=1),
        valid_from=datetime.now(UTC) - timedelta(days=9),
    )
    other = build.operator()
    build.price(other.id, 500)  # another operator's default does not apply
    shop = Shop(operator, project, buyer, [build.photo(project)])
    _error(_buy(main_api, shop), 422, "no_pricing_rule")


def test_photos_must_be_ready_and_in_the_project(main_api: TestClient, build: Factory, shop: Shop) -> None:
    foreign = build.photo(build.project(shop.operator))
    processing = build.photo(shop.project, status="processing")
    for photo in (foreign, processing):
        body = {"projectId": str(shop.project.id), "photoIds": [str(shop.photos[0].id), str(photo.id)]}
        _error(main_api.post(URL, json=body, headers=bearer(shop.buyer.token)), 422, "photo_not_available")
    body = {"projectId": str(shop.project.id), "photoIds": [str(uuid.uuid4())]}
    _error(main_api.post(URL, json=body, headers=bearer(shop.buyer.token)), 422, "photo_not_available")


def test_non_member_is_403(main_api: TestClient, build: Factory, shop: Shop) -> None:
    stranger = build.attendee()
    body = {"projectId": str(shop.project.id), "photoIds": [str(shop.photos[0].id)]}
    _error(main_api.post(URL, json=body, headers=bearer(stranger.token)), 403, "not_a_member")
    body["projectId"] = str(uuid.uuid4())
    _error(main_api.post(URL, json=body, headers=bearer(shop.buyer.token)), 403, "not_a_member")


@pytest.mark.parametrize(
    "body",
    [
        {"photoIds": [str(uuid.uuid4())]},
        {"projectId": str(uuid.uuid4()), "photoIds": []},
        {"projectId": str(uuid.uuid4()), "photoIds": [str(uuid.uuid4()) for _ in range(101)]},
        {"projectId": str(uuid.uuid4()), "photoIds": ["nope"]},
        {"projectId": str(uuid.uuid4()), "photoIds": [str(uuid.uuid4())], "promoCode": ""},
        {"projectId": str(uuid.uuid4()), "photoIds": [str(uuid.uuid4())], "totalCents": 0},
    ],
)
def test_validation(main_api: TestClient, shop: Shop, body: dict[str, Any]) -> None:
    _error(main_api.post(URL, json=body, headers=bearer(shop.buyer.token)), 422, "validation_error")


class TestDiscounts:
    def test_best_single_discount_wins(self, main_api: TestClient, build: Factory, shop: Shop) -> None:
        op = shop.operator.id
        build.discount(op, "percentage", 10, link=shop.project)  # 150 of 1500
        build.discount(op, "fixed", 200, link=shop.project)  # 200: the best
        build.discount(op, "bundle", 50, bundle_min_photos=4, link=shop.project)  # 3 photos: not reached
        build.discount(op, "percentage", 90)  # not linked to the project
        build.discount(op, "percentage", 80, link=shop.project, is_active=False)
        body = _buy(main_api, shop, photos=3).json()
        assert (body["subtotalCents"], body["discountAppliedCents"], body["totalCents"]) == (1500, 200, 1300)

    def test_bundle_applies_from_its_minimum(self, main_api: TestClient, build: Factory, shop: Shop) -> None:
        build.discount(shop.operator.id, "bundle", 50, bundle_min_photos=3, link=shop.project)
        assert _buy(main_api, shop, photos=2).json()["discountAppliedCents"] == 0
        assert _buy(main_api, shop, photos=3).json()["discountAppliedCents"] == 750

    def test_expired_discount_is_ignored(self, main_api: TestClient, build: Factory, shop: Shop) -> None:
        past = datetime.now(UTC) - timedelta(days=2)
        build.discount(
            shop.operator.id,
            "fixed",
            100,
            link=shop.project,
            valid_from=past - timedelta(days=1),
            valid_until=past,
        )
        assert _buy(main_api, shop).json()["discountAppliedCents"] == 0

    def test_never_below_zero_and_free_is_paid_at_once(
        self, main_api: TestClient, build: Factory, shop: Shop, db: Session
    ) -> None:
        promo = build.promo(build.discount(shop.operator.id, "fixed", 5000), code="FREEBIE")
        response = _buy(main_api, shop, photos=2, promoCode="freebie")
        body = response.json()
        assert (body["subtotalCents"], body["discountAppliedCents"], body["totalCents"]) == (1000, 1000, 0)
        assert body["clientSecret"] is None
        purchase = db.get_one(Purchase, uuid.UUID(body["purchaseId"]))
        assert purchase.status == "paid" and purchase.applied_promo_code == "FREEBIE"
        db.refresh(promo)
        assert promo.used_count == 1
        assert db.scalar(select(func.count()).where(PromoCodeUsage.purchase_id == purchase.id)) == 1
        assert db.scalar(select(func.count()).where(PurchaseDownload.purchase_id == purchase.id)) == 2

    def test_promo_code_wins_only_when_better(self, main_api: TestClient, build: Factory, shop: Shop) -> None:
        build.discount(shop.operator.id, "fixed", 300, link=shop.project)
        build.promo(build.discount(shop.operator.id, "percentage", 10), code="TEN")
        build.promo(build.discount(shop.operator.id, "percentage", 50), code="HALF")
        ten = _buy(main_api, shop, photos=2, promoCode="TEN").json()
        assert ten["discountAppliedCents"] == 300  # the project discount is better than 10 %
        half = _buy(main_api, shop, photos=2, promoCode="HALF").json()
        assert half["discountAppliedCents"] == 500
        listed = {p["id"]: p for p in main_api.get(URL, headers=bearer(shop.buyer.token)).json()}
        assert listed[ten["purchaseId"]]["appliedPromoCode"] is None
        assert listed[half["purchaseId"]]["appliedPromoCode"] == "HALF"

    def test_invalid_promo_codes(self, main_api: TestClient, build: Factory, shop: Shop) -> None:
        op = shop.operator.id
        now = datetime.now(UTC)
        build.promo(build.discount(op, "fixed", 100), code="OFF", is_active=False)
        build.promo(
            build.discount(op, "fixed", 100),
            code="OLD",
            valid_from=now - timedelta(days=3),
            valid_until=now - timedelta(days=1),
        )
        build.promo(build.discount(op, "fixed", 100, is_active=False), code="DEADDISC")
        build.promo(build.discount(build.operator().id, "fixed", 100), code="ELSEWHERE")
        for code in ("NOPE", "OFF", "OLD", "DEADDISC", "ELSEWHERE"):
            _error(_buy(main_api, shop, promoCode=code), 422, "invalid_promo_code")
        build.promo(build.discount(op, "bundle", 20, bundle_min_photos=5), code="BIG")
        _error(_buy(main_api, shop, promoCode="BIG"), 422, "promo_code_not_applicable")

    def test_global_and_per_user_caps(
        self, main_api: TestClient, build: Factory, shop: Shop, db: Session
    ) -> None:
        discount = build.discount(shop.operator.id, "fixed", 100)
        build.promo(discount, code="ONCE", max_uses=5, used_count=5)
        _error(_buy(main_api, shop, promoCode="ONCE"), 422, "promo_code_exhausted")
        build.promo(discount, code="MINE", max_uses_per_user=1)
        assert _buy(main_api, shop, promoCode="MINE").status_code == 201  # pending: reserves the use
        # In another project of the operator the pending checkout still holds the buyer's use (in
        # the same project a new checkout supersedes it: see test_checkout.py).
        elsewhere = build.project(shop.operator)
        build.member(shop.buyer, elsewhere)
        there = Shop(shop.operator, elsewhere, shop.buyer, [build.photo(elsewhere)])
        _error(_buy(main_api, there, promoCode="MINE"), 422, "promo_code_limit_reached")
        other = build.attendee()
        build.member(other, shop.project)
        other_shop = Shop(shop.operator, shop.project, other, shop.photos)
        assert _buy(main_api, other_shop, promoCode="MINE").status_code == 201

    def test_a_pending_reservation_holds_the_last_use(
        self, main_api: TestClient, build: Factory, shop: Shop
    ) -> None:
        build.promo(build.discount(shop.operator.id, "fixed", 100), code="LAST", max_uses=1)
        assert _buy(main_api, shop, promoCode="LAST").json()["discountAppliedCents"] == 100
        rival = build.attendee()
        build.member(rival, shop.project)
        rival_shop = Shop(shop.operator, shop.project, rival, shop.photos)
        _error(_buy(main_api, rival_shop, promoCode="LAST"), 422, "promo_code_exhausted")


def test_list_purchases_newest_first_own_only(main_api: TestClient, build: Factory, shop: Shop) -> None:
    first = _buy(main_api, shop).json()["purchaseId"]
    second = _buy(main_api, shop, photos=3).json()["purchaseId"]
    other = build.attendee()
    build.member(other, shop.project)
    _buy(main_api, Shop(shop.operator, shop.project, other, shop.photos))
    response = main_api.get(URL, headers=bearer(shop.buyer.token))
    assert response.status_code == 200
    rows = response.json()
    assert {r["id"] for r in rows} == {first, second}
    row = next(r for r in rows if r["id"] == second)
    assert row["photoCount"] == 3 and row["photosDownloaded"] == 0 and row["projectName"] == "Summer Gala"
    assert row["status"] == "pending" and row["totalCents"] == 1500 and row["createdAt"]
    page = main_api.get(URL, params={"limit": 1}, headers=bearer(shop.buyer.token))
    assert len(page.json()) == 1 and page.headers["X-Next-Cursor"]
    rest = main_api.get(
        URL, params={"limit": 1, "cursor": page.headers["X-Next-Cursor"]}, headers=bearer(shop.buyer.token)
    )
    assert len(rest.json()) == 1 and rest.json()[0]["id"] != page.json()[0]["id"]
    assert "X-Next-Cursor" not in rest.headers


def test_two_parallel_purchases_for_the_last_promo_use(infra: dict[str, str]) -> None:
    """Real commits, real threads: exactly one buyer gets the discount."""
    from api.apps.main import create_app

    with session_scope() as session:
        build = Factory(session)
        shop = build.shop(photos=1)
        rival = build.attendee()
        build.member(rival, shop.project)
        promo = build.promo(build.discount(shop.operator.id, "fixed", 100), max_uses=1)
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def buy(token: str) -> None:
        body = {
            "projectId": str(shop.project.id),
            "photoIds": [str(shop.photos[0].id)],
            "promoCode": promo.code,
        }
        barrier.wait()
        results.append(client.post(URL, json=body, headers=bearer(token)))

    threads = [threading.Thread(target=buy, args=(t,)) for t in (shop.buyer.token, rival.token)]
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201, 422], [r.text for r in results]
    winner = next(r for r in results if r.status_code == 201)
    assert winner.json()["discountAppliedCents"] == 100
    loser = next(r for r in results if r.status_code == 422)
    assert loser.json()["error"]["code"] == "promo_code_exhausted"
    with session_scope() as session:
        assert session.get_one(PromoCode, promo.id).used_count == 0  # counted when paid
