"""Purchases across the operator's projects (read-only for operators)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.errors import Forbidden, NotFound
from api.models import Operator, Project, Purchase, PurchaseDownload, User
from api.orders.schemas import OrderDetail, OrderDownload, OrderItem, OrderPage, OrderProject, OrderUser


def _base() -> Any:
    return (
        select(Purchase, Project.id, Project.name, Project.operator_id, User.id, User.email, User.name)
        .join(Project, Project.id == Purchase.project_id)
        .join(User, User.id == Purchase.user_id)
    )


def _to_item(row: Sequence[Any]) -> OrderItem:
    purchase, project_id, project_name, _, user_id, email, user_name = row
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
        project=OrderProject(id=project_id, name=project_name),
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
    where: list[Any] = [Project.operator_id == operator.id]
    if project_id is not None:
        where.append(Purchase.project_id == project_id)
    if status is not None:
        where.append(Purchase.status == status)
    total = session.scalar(
        select(func.count())
        .select_from(Purchase)
        .join(Project, Project.id == Purchase.project_id)
        .where(*where)
    )
    rows = session.execute(
        _base()
        .where(*where)
        .order_by(Purchase.created_at.desc(), Purchase.id.desc())
        .offset((page - 1) * limit)
        .limit(limit)
    ).all()
    return OrderPage(items=[_to_item(r) for r in rows], total=total or 0, page=page, limit=limit)


def get_order(session: Session, operator: Operator, purchase_id: uuid.UUID) -> OrderDetail:
    """404 when unknown; 403 (as the spec says) when it belongs to another operator's project."""
    row = session.execute(_base().where(Purchase.id == purchase_id)).first()
    if row is None:
        raise NotFound("Purchase not found.")
    if row[3] != operator.id:
        raise Forbidden("This purchase belongs to a project you do not own.")
    downloads = session.execute(
        select(PurchaseDownload.photo_id, PurchaseDownload.download_count)
        .where(PurchaseDownload.purchase_id == purchase_id)
        .order_by(PurchaseDownload.created_at, PurchaseDownload.photo_id)
    ).all()
    return OrderDetail(
        **_to_item(row).model_dump(),
        downloads=[OrderDownload(photo_id=photo_id, download_count=count) for photo_id, count in downloads],
    )
