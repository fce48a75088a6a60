"""Purchase routes and the Stripe webhook (main API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, status
from fastapi.responses import JSONResponse

from api.core.errors import error_body
from api.core.pagination import Paging, paging
from api.deps import CurrentUser, SessionDep
from api.purchases import service
from api.purchases.schemas import CreatePurchase, PurchaseCreatedOut, PurchaseOut, WebhookAck

router = APIRouter(tags=["purchases"])
Page = Annotated[Paging, paging(cap=100, default=50, cursor_length=500)]


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.post("/v1/purchases", status_code=status.HTTP_201_CREATED, response_model=PurchaseCreatedOut)
def create_purchase(
    body: CreatePurchase, user: CurrentUser, session: SessionDep
) -> PurchaseCreatedOut | JSONResponse:
    try:
        created = service.create_purchase(session, user, body)
    except service.CheckoutConflict as exc:
        # Answered, not raised: the session keeps (commits) what Stripe said about the earlier one.
        return error_body(exc.status_code, exc.code, exc.message)
    purchase = created.purchase
    return PurchaseCreatedOut(
        purchase_id=purchase.id,
        client_secret=created.client_secret,
        total_cents=purchase.total_cents,
        subtotal_cents=purchase.subtotal_cents,
        discount_applied_cents=purchase.discount_applied_cents,
    )


@router.get("/v1/purchases")
def list_my_purchases(user: CurrentUser, session: SessionDep, page: Page) -> list[PurchaseOut]:
    rows = page.respond(service.list_purchases(session, user.id, page.limit, page.cursor))
    return [
        PurchaseOut(
            id=p.id,
            status=p.status,
            project_id=p.project_id,
            project_name=row.project_name,
            photo_count=p.photo_count,
            photos_downloaded=row.photos_downloaded,
            subtotal_cents=p.subtotal_cents,
            discount_applied_cents=p.discount_applied_cents,
            total_cents=p.total_cents,
            currency=p.currency,
            applied_promo_code=p.applied_promo_code,
            created_at=p.created_at,
        )
        for row in rows
        for p in (row.Purchase,)
    ]


@router.post("/v1/stripe-webhook")
def stripe_webhook(
    payload: Annotated[bytes, Depends(_raw_body)],
    session: SessionDep,
    stripe_signature: Annotated[str | None, Header()] = None,
) -> WebhookAck:
    service.record_stripe_event(session, payload, stripe_signature)
    return WebhookAck()
