"""Orders: the purchases made in the operator's projects."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import CurrentOperator, SessionDep
from api.orders import service
from api.orders.schemas import OrderDetail, OrderPage, PurchaseStatus

router = APIRouter(prefix="/v1/purchases", tags=["orders"])


@router.get("")
def list_purchases(
    operator: CurrentOperator,
    session: SessionDep,
    project_id: Annotated[uuid.UUID | None, Query(alias="projectId")] = None,
    status: Annotated[PurchaseStatus | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> OrderPage:
    """Newest first; another operator's `projectId` matches nothing."""
    return service.list_orders(session, operator, project_id, status, page, limit)


@router.get("/{id}")
def get_purchase(
    purchase_id: Annotated[uuid.UUID, Path(alias="id")], operator: CurrentOperator, session: SessionDep
) -> OrderDetail:
    return service.get_order(session, operator, purchase_id)
