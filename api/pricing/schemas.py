from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, Strict, StrictBool, StringConstraints, model_validator

from api.core.schemas import CamelModel, Instant, Name, PatchModel, StrictCamelModel, check_window

# Strict: JSON numbers only (no "12" strings or booleans read as numbers).
Cents = Annotated[int, Strict(), Field(ge=0, le=100_000_000)]
DiscountType = Literal["percentage", "fixed", "bundle"]


def _upper(value: str) -> str:
    return value.upper()


PromoCodeText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"),
    AfterValidator(_upper),
]
Limit = Annotated[int, Strict(), Field(ge=1, le=1_000_000_000)]


class _Window(StrictCamelModel):
    valid_from: Instant | None = None
    valid_until: Instant | None = None

    @model_validator(mode="after")
    def _window(self) -> Self:
        check_window(self.valid_from, self.valid_until, strict=True, what="validUntil")
        return self


class _PatchWindow(PatchModel):
    valid_from: Instant | None = None
    valid_until: Instant | None = None

    @model_validator(mode="after")
    def _window(self) -> Self:
        check_window(self.valid_from, self.valid_until, strict=True, what="validUntil")
        return self


# --- pricing rules -------------------------------------------------------------------------------


class PricingRuleCreate(_Window):
    """Without `projectId` the rule is the operator's default price."""

    project_id: uuid.UUID | None = None
    price_per_photo_cents: Cents
    compare_at_price_cents: Cents | None = None


class PricingRuleUpdate(_PatchWindow):
    not_null = frozenset({"price_per_photo_cents", "is_active"})

    price_per_photo_cents: Cents | None = None
    compare_at_price_cents: Cents | None = None
    is_active: StrictBool | None = None


class PricingRuleOut(CamelModel):
    id: uuid.UUID
    project_id: uuid.UUID | None
    price_per_photo_cents: int
    compare_at_price_cents: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    is_active: bool
    created_at: datetime


# --- discounts -----------------------------------------------------------------------------------


class DiscountCreate(_Window):
    """percentage: `value` in points (1-100); fixed: `value` in cents (> 0); bundle: `value` in points
    (1-100) once the purchase has at least `bundleMinPhotos` (>= 2, required) photos."""

    name: Name
    type: DiscountType
    value: Annotated[int, Strict(), Field(ge=1, le=100_000_000)]
    bundle_min_photos: Annotated[int, Strict(), Field(ge=2, le=100)] | None = None

    @model_validator(mode="after")
    def _by_type(self) -> Self:
        if self.type != "fixed" and self.value > 100:
            raise ValueError("value is in percentage points (1-100) for this type")
        if self.type == "bundle" and self.bundle_min_photos is None:
            raise ValueError("bundleMinPhotos is required for a bundle discount")
        if self.type != "bundle":
            self.bundle_min_photos = None
        return self


class DiscountUpdate(_PatchWindow):
    not_null = frozenset({"name", "is_active"})

    name: Name | None = None
    is_active: StrictBool | None = None


class DiscountOut(CamelModel):
    id: uuid.UUID
    name: str
    type: DiscountType
    value: int
    bundle_min_photos: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    is_active: bool
    created_at: datetime


# --- promo codes ---------------------------------------------------------------------------------


class PromoCodeCreate(_Window):
    """`code` is stored upper case and is unique per operator."""

    code: PromoCodeText
    discount_id: uuid.UUID
    max_uses: Limit | None = None
    max_uses_per_user: Limit | None = None


class PromoCodeUpdate(_PatchWindow):
    not_null = frozenset({"is_active"})

    is_active: StrictBool | None = None
    max_uses: Limit | None = None
    max_uses_per_user: Limit | None = None


class PromoCodeOut(CamelModel):
    """`usedCount`: uses counted so far (one per paid purchase that applied the code)."""

    id: uuid.UUID
    code: str
    discount_id: uuid.UUID
    max_uses: int | None
    max_uses_per_user: int | None
    used_count: int
    valid_from: datetime | None
    valid_until: datetime | None
    is_active: bool
    created_at: datetime
