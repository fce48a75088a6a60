from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field, field_validator

from api.core.schemas import CamelModel, StrictCamelModel


class CreatePurchase(StrictCamelModel):
    project_id: uuid.UUID
    photo_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)
    promo_code: str | None = Field(default=None, min_length=1, max_length=64)

    @field_validator("photo_ids")
    @classmethod
    def _dedupe(cls, ids: list[uuid.UUID]) -> list[uuid.UUID]:
        return list(dict.fromkeys(ids))

    @field_validator("promo_code")
    @classmethod
    def _normalise(cls, code: str | None) -> str | None:
        return code.strip().upper() if code is not None else None


class PurchaseCreatedOut(CamelModel):
    purchase_id: uuid.UUID
    client_secret: str | None
    total_cents: int
    subtotal_cents: int
    discount_applied_cents: int


class PurchaseOut(CamelModel):
    id: uuid.UUID
    status: str
    project_id: uuid.UUID | None  # null once the project is deleted (its name is kept)
    project_name: str
    photo_count: int
    photos_downloaded: int
    subtotal_cents: int
    discount_applied_cents: int
    total_cents: int
    currency: str
    applied_promo_code: str | None
    created_at: datetime


class WebhookAck(CamelModel):
    received: bool = True
