"""Purchases and payment state.

Creation prices the photos server-side (see `api.purchases.quote` for the price and discount
rules), stores the purchase and, when something is to pay, a Stripe PaymentIntent for it. A free
purchase is paid at once. Stripe webhooks are stored once per event id and handled by
`process_stripe_event`, which is idempotent and tolerates any delivery order:

- `payment_intent.succeeded`: pending/failed/canceled → paid (never from refunded: money Stripe
  took is never refused), promo use counted once (over the cap it is recorded as an overrun),
  download rights granted, confirmation email job enqueued once;
- `payment_intent.payment_failed`: pending → failed (a paid purchase is never downgraded);
- `payment_intent.canceled`: pending/failed → canceled;
- `charge.refunded`: → refunded, download rights revoked, its promo use given back.

Checkout: a buyer's new purchase in a project supersedes their earlier unpaid one there (see
`_supersede_earlier_checkouts`), so an abandoned payment sheet holds nothing.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.core.errors import BadRequest, Conflict, Unprocessable
from api.core.pagination import decode_cursor, page_of
from api.jobs.outbox import enqueue_job, queue_email
from api.media import retention
from api.membership.service import require_member
from api.models import (
    Operator,
    Photo,
    Project,
    ProjectMember,
    PromoCode,
    PromoCodeUsage,
    Purchase,
    PurchaseDownload,
    PurchaseItem,
    StripeEvent,
    User,
)
from api.models.photos import photo_shown
from api.projects.lifecycle import require_participant
from api.purchases import gateway, quote
from api.purchases.schemas import CreatePurchase

log = logging.getLogger("wairo.purchases")


@dataclass(frozen=True)
class Created:
    purchase: Purchase
    client_secret: str | None


class CheckoutConflict(Conflict):
    """The new purchase is refused because an earlier checkout of the buyer can no longer be
    canceled. Raised after the session recorded what Stripe said about it (e.g. now paid): the
    endpoint answers it and still commits."""


def create_purchase(session: Session, user: User, data: CreatePurchase) -> Created:
    require_member(session, user.id, data.project_id)
    project = require_participant(session.get(Project, data.project_id), "buy")
    ready = select(Photo.id, Photo.file_name).where(
        Photo.id.in_(data.photo_ids), Photo.project_id == project.id, Photo.status == "ready", photo_shown
    )
    names = {photo_id: name for photo_id, name in session.execute(ready)}
    if len(names) != len(data.photo_ids):  # deleted, hidden by the staff, not ready, elsewhere
        raise Unprocessable("Every photo must be a ready photo of this project.", code="photo_not_available")
    count = len(data.photo_ids)
    unit = quote.unit_price_cents(session, project)
    subtotal = unit * count
    offers = quote.project_offers(session, project, count, subtotal)
    if data.promo_code:
        offers.append(quote.promo_offer(session, project, user.id, data.promo_code, count, subtotal))
    # Last, once the new purchase is known to be valid: nothing is canceled on Stripe for a
    # purchase that is then refused (the promo check already leaves out what this supersedes).
    _supersede_earlier_checkouts(session, user.id, project.id)
    best = quote.best_offer(offers)
    saving = best.saving_cents if best else 0
    promo = best.promo if best else None
    purchase = Purchase(
        user_id=user.id,
        operator_id=project.operator_id,
        project_id=project.id,
        project_name=project.name,
        status="pending",
        photo_count=count,
        unit_price_cents=unit,
        subtotal_cents=subtotal,
        discount_applied_cents=saving,
        total_cents=subtotal - saving,
        currency=session.get_one(Operator, project.operator_id).currency,
        discount_id=best.discount_id if best else None,
        promo_code_id=promo.id if promo else None,
        applied_promo_code=promo.code if promo else None,
    )
    session.add(purchase)
    session.flush()
    session.execute(
        insert(PurchaseItem),
        [
            {
                "purchase_id": purchase.id,
                "photo_id": photo_id,
                "price_cents": unit,
                "photo_name": names[photo_id],
            }
            for photo_id in data.photo_ids
        ],
    )
    if purchase.total_cents == 0:
        mark_paid(session, purchase)
        return Created(purchase, None)
    intent_id, client_secret = gateway.create_payment_intent(
        purchase.id, purchase.total_cents, purchase.currency
    )
    purchase.stripe_payment_intent_id = intent_id
    session.flush()
    return Created(purchase, client_secret)


def _supersede_earlier_checkouts(session: Session, user_id: uuid.UUID, project_id: uuid.UUID) -> None:
    """Cancel the buyer's unpaid purchases in this project (their PaymentIntents on Stripe), which
    releases what they reserved. One whose payment Stripe reports succeeded is paid instead, and
    the new purchase is refused (never two charges); so is it while a payment is still processing.
    The member row's lock serialises one buyer's checkouts in a project."""
    session.execute(
        select(ProjectMember.id)
        .where(ProjectMember.user_id == user_id, ProjectMember.project_id == project_id)
        .with_for_update()
    )
    earlier = session.scalars(
        select(Purchase)
        .where(
            Purchase.user_id == user_id,
            Purchase.project_id == project_id,
            Purchase.status.in_(("pending", "failed")),
        )
        .with_for_update()
    ).all()
    outcomes: set[str] = set()
    for purchase in earlier:
        intent_id = purchase.stripe_payment_intent_id
        outcome = gateway.cancel_payment_intent(intent_id) if intent_id else "canceled"
        if outcome == "succeeded":
            mark_paid(session, purchase)
        elif outcome == "canceled":
            mark_canceled(session, purchase)
        outcomes.add(outcome)
    if "succeeded" in outcomes:
        raise CheckoutConflict(
            "Your earlier checkout in this project was paid in the meantime; see your purchases.",
            code="checkout_already_paid",
        )
    if outcomes - {"canceled"}:
        raise CheckoutConflict(
            "Your earlier payment in this project is still being processed; try again shortly.",
            code="checkout_in_progress",
        )


def _count_promo_use(session: Session, purchase: Purchase) -> None:
    """Record the promo use once per purchase; the counter moves under the promo row's lock. A use
    past the cap (a payment Stripe reports succeeded after the code ran out) is honoured and
    recorded as an overrun."""
    if purchase.promo_code_id is None:
        return
    promo = session.scalar(select(PromoCode).where(PromoCode.id == purchase.promo_code_id).with_for_update())
    if promo is None:
        return
    recorded = session.scalar(
        insert(PromoCodeUsage)
        .values(promo_code_id=promo.id, user_id=purchase.user_id, purchase_id=purchase.id)
        .on_conflict_do_nothing(index_elements=["purchase_id"])
        .returning(PromoCodeUsage.id)
    )
    if recorded is None:
        return
    if promo.max_uses is not None and promo.used_count >= promo.max_uses + promo.overrun_count:
        log.warning("promo code %s over its cap when purchase %s was paid", promo.code, purchase.id)
        promo.overrun_count += 1
    promo.used_count += 1


def mark_paid(session: Session, purchase: Purchase) -> bool:
    """pending/failed/canceled → paid with its side effects; False (no-op) from paid or refunded.
    A canceled purchase is paid too: Stripe took the money (e.g. it succeeded as it was superseded)."""
    if purchase.status not in ("pending", "failed", "canceled"):
        return False
    if purchase.status == "canceled":
        log.warning("purchase %s was canceled but Stripe reports its payment succeeded", purchase.id)
    purchase.status = "paid"
    purchase.paid_at = datetime.now(UTC)
    _count_promo_use(session, purchase)
    session.execute(
        insert(PurchaseDownload)
        .from_select(
            ["purchase_id", "photo_id"],
            select(PurchaseItem.purchase_id, PurchaseItem.photo_id).where(
                PurchaseItem.purchase_id == purchase.id
            ),
        )
        .on_conflict_do_nothing(index_elements=["purchase_id", "photo_id"])
    )
    enqueue_job(
        session,
        "notify_purchase_confirmed",
        {"purchaseId": str(purchase.id)},
        dedup_key=f"notify_purchase_confirmed:{purchase.id}",
    )
    session.flush()
    return True


def mark_failed(purchase: Purchase) -> bool:
    if purchase.status != "pending":
        return False
    purchase.status = "failed"
    return True


def mark_canceled(session: Session, purchase: Purchase) -> bool:
    """pending/failed → canceled: it reserves nothing any more, and no longer holds the retained
    copies of deleted photos it was for; a no-op from any other status."""
    if purchase.status not in ("pending", "failed"):
        return False
    purchase.status = "canceled"
    retention.release(session, purchase.id)
    return True


def _release_promo_use(session: Session, purchase: Purchase) -> None:
    """Give a refunded purchase's promo use back (to the code's count and the buyer's own limit),
    once. While overruns are recorded the use given back is one of them, so the cap holds."""
    promo_id = session.scalar(
        delete(PromoCodeUsage)
        .where(PromoCodeUsage.purchase_id == purchase.id)
        .returning(PromoCodeUsage.promo_code_id)
    )
    if promo_id is None:
        return
    promo = session.scalar(select(PromoCode).where(PromoCode.id == promo_id).with_for_update())
    if promo is None:
        return
    promo.used_count = max(promo.used_count - 1, 0)
    promo.overrun_count = min(max(promo.overrun_count - 1, 0), promo.used_count)


def mark_refunded(session: Session, purchase: Purchase) -> bool:
    if purchase.status == "refunded":
        return False
    purchase.status = "refunded"
    session.execute(delete(PurchaseDownload).where(PurchaseDownload.purchase_id == purchase.id))
    _release_promo_use(session, purchase)
    retention.release(session, purchase.id)
    return True


# -- webhooks ------------------------------------------------------------------------------------


def record_stripe_event(session: Session, payload: bytes, signature: str | None) -> None:
    """Verify and store the event once; a replay is a no-op. Processing runs in a job."""
    try:
        event = gateway.verify_webhook(payload, signature)
    except ValueError as exc:
        raise BadRequest("The webhook signature or payload is invalid.", code="invalid_webhook") from exc
    stored = session.scalar(
        insert(StripeEvent)
        .values(event_id=event["id"], type=event["type"], payload=json.loads(payload))
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(StripeEvent.id)
    )
    if stored is not None:
        enqueue_job(
            session, "process_stripe_event", {"eventId": event["id"]}, dedup_key=f"stripe:{event['id']}"
        )


def _purchase_for(session: Session, obj: dict[str, Any], intent_id: str | None) -> Purchase | None:
    query = select(Purchase).with_for_update()
    if intent_id:
        found = session.scalar(query.where(Purchase.stripe_payment_intent_id == intent_id))
        if found is not None:
            return found
    raw_id = (obj.get("metadata") or {}).get("purchaseId")
    try:
        purchase_id = uuid.UUID(str(raw_id))
    except ValueError:
        return None
    return session.scalar(query.where(Purchase.id == purchase_id))


def process_stripe_event(session: Session, event_id: str) -> None:
    """Apply one stored event; safe to run twice and in any order relative to other events."""
    event = session.scalar(select(StripeEvent).where(StripeEvent.event_id == event_id).with_for_update())
    if event is None or event.processed_at is not None:
        return
    obj: dict[str, Any] = (event.payload.get("data") or {}).get("object") or {}
    if event.type.startswith("payment_intent."):
        purchase = _purchase_for(session, obj, obj.get("id"))
    elif event.type == "charge.refunded":
        purchase = _purchase_for(session, obj, obj.get("payment_intent"))
    else:
        purchase = None
    if purchase is None:
        log.info("stripe event %s (%s) concerns no purchase", event.event_id, event.type)
    elif event.type == "payment_intent.succeeded":
        mark_paid(session, purchase)
    elif event.type == "payment_intent.payment_failed":
        mark_failed(purchase)
    elif event.type == "payment_intent.canceled":
        mark_canceled(session, purchase)
    elif event.type == "charge.refunded":
        mark_refunded(session, purchase)
    event.processed_at = datetime.now(UTC)


def send_purchase_confirmation(session: Session, purchase_id: uuid.UUID) -> None:
    """Queue the confirmation email once for a paid purchase."""
    purchase = session.scalar(select(Purchase).where(Purchase.id == purchase_id).with_for_update())
    if purchase is None or purchase.status != "paid" or purchase.confirmation_emailed_at is not None:
        return
    user = session.get_one(User, purchase.user_id)
    project_name = purchase.project_name  # the project may be deleted by now
    total = f"{purchase.total_cents / 100:.2f} {purchase.currency.upper()}"
    body = (
        f"Hello {user.name},\n\nThank you for your purchase of {purchase.photo_count} photo(s) from "
        f"{project_name} ({total}). Your photos are ready to download in the Wairo app.\n"
    )
    queue_email(session, user.email, f"Your photos from {project_name}", body, "purchase_confirmed")
    purchase.confirmation_emailed_at = datetime.now(UTC)


# -- listing ---------------------------------------------------------------------------------------


def list_purchases(
    session: Session, user_id: uuid.UUID, limit: int, cursor: str | None
) -> tuple[list[Row[Any]], str | None]:
    downloaded = (
        select(func.count())
        .where(PurchaseDownload.purchase_id == Purchase.id, PurchaseDownload.download_count > 0)
        .correlate(Purchase)
        .scalar_subquery()
    )
    query = (
        select(Purchase, Purchase.project_name, downloaded.label("photos_downloaded"))
        .where(Purchase.user_id == user_id)
        .order_by(Purchase.created_at.desc(), Purchase.id.desc())
    )
    if cursor is not None:
        after = decode_cursor(cursor, datetime.fromisoformat, uuid.UUID)
        query = query.where(tuple_(Purchase.created_at, Purchase.id) < tuple_(*after))
    rows = session.execute(query.limit(limit + 1)).all()
    return page_of(rows, limit, lambda row: (row.Purchase.created_at, row.Purchase.id))
