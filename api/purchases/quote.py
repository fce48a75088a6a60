"""A checkout's quote: the unit price and the one discount applied (read-only over the backoffice's
pricing tables, which api/pricing manages).

- Unit price: the project's active rule (`is_active`, inside `validFrom`/`validUntil`), else the
  operator's default active rule (project NULL); none is a 422 `no_pricing_rule`.
- Candidate discounts: every active, in-window discount linked to the project (a bundle only when
  the photo count reaches `bundleMinPhotos`), and the promo code's discount when one is given.
- A promo code must exist for the project's operator, be active, inside its window, with an
  active in-window discount, under its global cap and the buyer's per-user cap; otherwise 422
  (`invalid_promo_code`, `promo_code_exhausted`, `promo_code_limit_reached`,
  `promo_code_not_applicable`). Caps count paid uses (`used_count`, `promo_code_usages`) plus
  pending purchases that reserved the code within the checkout window (`checkout_window_s`; a
  buyer's own earlier checkout in the project is superseded before this check); the promo row is
  locked (`FOR UPDATE`) until the purchase commits, so two buyers racing for the last use cannot
  both get it. Overruns (uses paid after the cap was reached) do not count against the cap.
- Discounts never stack: the single largest saving wins (on a tie, an automatic discount rather
  than the promo code, so no promo use is spent); the saving never exceeds the subtotal.
- Percentage and bundle values are percents (rounded half up to the cent); fixed values are cents.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from api.core.errors import Unprocessable
from api.models import Discount, PricingRule, Project, ProjectDiscount, PromoCode, PromoCodeUsage, Purchase
from api.settings import get_settings


@dataclass(frozen=True)
class Offer:
    discount_id: uuid.UUID
    saving_cents: int
    promo: PromoCode | None = None


def _in_window(model: type[PricingRule] | type[Discount] | type[PromoCode]) -> list[ColumnElement[bool]]:
    now = func.now()
    return [
        model.is_active.is_(True),
        or_(model.valid_from.is_(None), model.valid_from <= now),
        or_(model.valid_until.is_(None), model.valid_until > now),
    ]


def unit_price_cents(session: Session, project: Project) -> int:
    price = session.scalar(
        select(PricingRule.price_per_photo_cents)
        .where(
            PricingRule.operator_id == project.operator_id,
            or_(PricingRule.project_id == project.id, PricingRule.project_id.is_(None)),
            *_in_window(PricingRule),
        )
        .order_by(PricingRule.project_id.is_(None), PricingRule.created_at.desc())
        .limit(1)
    )
    if price is None:
        raise Unprocessable("This project has no active pricing rule.", code="no_pricing_rule")
    return price


def saving_cents(discount: Discount, photo_count: int, subtotal: int) -> int:
    """What the discount takes off the subtotal (0 when a bundle's minimum is not reached)."""
    if discount.type == "fixed":
        return min(discount.value, subtotal)
    if discount.type == "bundle" and photo_count < (discount.bundle_min_photos or 0):
        return 0
    return min((subtotal * discount.value + 50) // 100, subtotal)


def project_offers(session: Session, project: Project, photo_count: int, subtotal: int) -> list[Offer]:
    discounts = session.scalars(
        select(Discount)
        .join(ProjectDiscount, ProjectDiscount.discount_id == Discount.id)
        .where(
            ProjectDiscount.project_id == project.id,
            Discount.operator_id == project.operator_id,
            *_in_window(Discount),
        )
    ).all()
    offers = [Offer(d.id, saving_cents(d, photo_count, subtotal)) for d in discounts]
    return [offer for offer in offers if offer.saving_cents > 0]


def _reserved(
    session: Session, promo_id: uuid.UUID, project: Project, buyer_id: uuid.UUID, *, buyers_only: bool = False
) -> int:
    """Pending purchases holding a use of the promo code (only the buyer's when `buyers_only`): a
    pending purchase reserves it for the checkout window at most. The buyer's own pending purchases
    in this project do not count: the new purchase supersedes them."""
    window = timedelta(seconds=get_settings().checkout_window_s)
    query = select(func.count()).where(
        Purchase.promo_code_id == promo_id,
        Purchase.status == "pending",
        Purchase.created_at > func.now() - window,
        or_(Purchase.user_id != buyer_id, Purchase.project_id.is_distinct_from(project.id)),
    )
    if buyers_only:
        query = query.where(Purchase.user_id == buyer_id)
    return session.scalar(query) or 0


def promo_offer(
    session: Session, project: Project, user_id: uuid.UUID, code: str, photo_count: int, subtotal: int
) -> Offer:
    """Validate the promo code for this buyer, locking its row until the transaction ends."""
    promo = session.scalar(
        select(PromoCode)
        .where(PromoCode.operator_id == project.operator_id, PromoCode.code == code, *_in_window(PromoCode))
        .with_for_update()
    )
    discount = (
        session.scalar(select(Discount).where(Discount.id == promo.discount_id, *_in_window(Discount)))
        if promo
        else None
    )
    if promo is None or discount is None:
        raise Unprocessable("The promo code is invalid or expired.", code="invalid_promo_code")
    within_cap = promo.used_count - promo.overrun_count
    reserved = _reserved(session, promo.id, project, user_id)
    if promo.max_uses is not None and within_cap + reserved >= promo.max_uses:
        raise Unprocessable("The promo code has been used up.", code="promo_code_exhausted")
    if promo.max_uses_per_user is not None:
        used = session.scalar(
            select(func.count()).where(
                PromoCodeUsage.promo_code_id == promo.id, PromoCodeUsage.user_id == user_id
            )
        )
        mine = _reserved(session, promo.id, project, user_id, buyers_only=True)
        if (used or 0) + mine >= promo.max_uses_per_user:
            raise Unprocessable(
                "You have already used this promo code the maximum number of times.",
                code="promo_code_limit_reached",
            )
    saving = saving_cents(discount, photo_count, subtotal)
    if saving == 0:
        raise Unprocessable(
            "The promo code does not apply to this purchase.", code="promo_code_not_applicable"
        )
    return Offer(discount.id, saving, promo)


def best_offer(offers: list[Offer]) -> Offer | None:
    """The largest saving; on a tie the automatic discount (listed before the promo) wins."""
    return max(offers, key=lambda offer: offer.saving_cents, default=None)
