from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from api.core.schemas import CamelModel

PurchaseStatus = Literal["pending", "paid", "failed", "refunded"]


class OrderProject(CamelModel):
    id: uuid.UUID
    name: str


class OrderUser(CamelModel):
    id: uuid.UUID
    email: str
    name: str


class OrderItem(CamelModel):
    id: uuid.UUID
    status: PurchaseStatus
    photo_count: int
    subtotal_cents: int
    discount_applied_cents: int
    total_cents: int
    currency: str
    applied_promo_code: str | None
    stripe_payment_intent_id: str | None
    created_at: datetime
    project: OrderProject
    user: OrderUser


class OrderPage(CamelModel):
    items: list[OrderItem]
    total: int
    page: int
    limit: int


class OrderDownload(CamelModel):
    """A download right of a purchased photo, and how often it was used."""

    photo_id: uuid.UUID
    download_count: int


class OrderDetail(OrderItem):
    downloads: list[OrderDownload]
