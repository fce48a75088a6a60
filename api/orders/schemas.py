from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from api.core.schemas import CamelModel

PurchaseStatus = Literal["pending", "paid", "failed", "refunded", "canceled"]


class OrderProject(CamelModel):
    """The project the purchase was made in: `id` is null once the project is deleted, `name` is
    the project's name when the purchase was made."""

    id: uuid.UUID | None
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
    """A photo of the purchase (kept when the photo is deleted) and how often its download right
    was used (0 while the purchase grants none)."""

    photo_id: uuid.UUID
    photo_name: str | None
    download_count: int


class OrderDetail(OrderItem):
    downloads: list[OrderDownload]
