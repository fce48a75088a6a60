"""Purchases sold by the operator (read-only for operators). A purchase keeps its operator and the
project's name, so its order outlives the deletion of the project (`project.id` is then null)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from api.core.errors import Forbidden, NotFound
from api.models import Operator, Purchase, PurchaseDownload, PurchaseItem, User
from api.orders.schemas import OrderDetail, OrderDownload, OrderItem, OrderPage, OrderProject, OrderUser


def _base() -> Any:
    return select(Purchase, User.id, User.email, User.name).join(User, User.id == Purchase.user_id)


def _to_item(row: Sequence[Any]) -> OrderItem:
    purchase, user_id, email, user_name = row
    return OrderItem(
        id=purchase.id,
        status=purchase.status,
        photo_count=purchase.photo_count,
        subtotal_cents=purchase.subtotal_cents,
        discount_applied_cents=purchase.discount_applied_cents,
        total_cents=purchase.total_cents,
        currency=purchase.currency,
        applied_promo_code=purchase.applied_promo_code,
        stripe_payment_intent_id=purchase.stripe_payment_intent_id,
        created_at=purchase.created_at,
        project=OrderProject(id=purchase.project_id, name=purchase.project_name),
        user=OrderUser(id=user_id, email=email, name=user_name),
    )


def list_orders(
    session: Session,
    operator: Operator,
    project_id: uuid.UUID | None,
    status: str | None,
    page: int,
    limit: int,
) -> OrderPage:
    where: list[Any] = [Purchase.operator_id == operator.id]
    if project_id is not None:
        where.append(Purchase.project_id == project_id)
    if status is not None:
        where.append(Purchase.status == status)
    total = session.scalar(select(func.count()).select_from(Purchase).where(*where))
    rows = session.execute(
        _base()
        .where(*where)
        .order_by(Purchase.created_at.desc(), Purchase.id.desc())
        .offset((page - 1) * limit)
        .limit(limit)
    ).all()
    return OrderPage(items=[_to_item(r) for r in rows], total=total or 0, page=page, limit=limit)


def get_order(session: Session, operator: Operator, purchase_id: uuid.UUID) -> OrderDetail:
    """404 when unknown; 403 (as the spec says) when another operator sold it. `downloads` lists
    every photo of the purchase, whatever its status, with the uses of its download right (0 when
    the purchase grants none)."""
    row = session.execute(_base().where(Purchase.id == purchase_id)).first()
    if row is None:
        raise NotFound("Purchase not found.")
    if row[0].operator_id != operator.id:
        raise Forbidden("This purchase belongs to a project you do not own.")
    photos = session.execute(
        select(
            PurchaseItem.photo_id,
            PurchaseItem.photo_name,
            func.coalesce(PurchaseDownload.download_count, 0),
        )
        .outerjoin(
            PurchaseDownload,
            and_(
                PurchaseDownload.purchase_id == PurchaseItem.purchase_id,
                PurchaseDownload.photo_id == PurchaseItem.photo_id,
            ),
        )
        .where(PurchaseItem.purchase_id == purchase_id)
        .order_by(PurchaseItem.photo_name, PurchaseItem.photo_id)
    ).all()
    return OrderDetail(
        **_to_item(row).model_dump(),
        downloads=[
            OrderDownload(photo_id=photo_id, photo_name=name, download_count=count)
            for photo_id, name, count in photos
        ],
    )
