"""Pricing rules, discounts, promo codes, purchases, downloads and Stripe events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.models.base import Base, created_at, updated_at, uuid_pk
from api.models.projects import _in

DISCOUNT_TYPES = ("percentage", "fixed", "bundle")
PURCHASE_STATUSES = ("pending", "paid", "failed", "refunded", "canceled")
_WINDOW = "valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from"


class PricingRule(Base):
    """A price per photo: the operator default (project_id NULL) or a project override."""

    __tablename__ = "pricing_rules"
    __table_args__ = (
        CheckConstraint("price_per_photo_cents >= 0", name="price"),
        CheckConstraint("compare_at_price_cents IS NULL OR compare_at_price_cents >= 0", name="compare_at"),
        CheckConstraint(_WINDOW, name="window"),
        Index("ix_pricing_rules_operator_id_project_id", "operator_id", "project_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    price_per_photo_cents: Mapped[int] = mapped_column(Integer)
    compare_at_price_cents: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class Discount(Base):
    __tablename__ = "discounts"
    __table_args__ = (
        CheckConstraint(_in("type", DISCOUNT_TYPES), name="type"),
        CheckConstraint("value > 0", name="value_positive"),
        CheckConstraint("type = 'fixed' OR value <= 100", name="percent_max"),
        CheckConstraint("type <> 'bundle' OR bundle_min_photos >= 2", name="bundle_min"),
        CheckConstraint(_WINDOW, name="window"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[int] = mapped_column(Integer)
    bundle_min_photos: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class ProjectDiscount(Base):
    __tablename__ = "project_discounts"

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    discount_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("discounts.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = created_at()


class PromoCode(Base):
    __tablename__ = "promo_codes"
    __table_args__ = (
        UniqueConstraint("operator_id", "code"),
        CheckConstraint("code = upper(code)", name="code_upper"),
        CheckConstraint("max_uses IS NULL OR max_uses > 0", name="max_uses"),
        CheckConstraint("max_uses_per_user IS NULL OR max_uses_per_user > 0", name="max_uses_per_user"),
        CheckConstraint("used_count >= 0", name="used_count"),
        CheckConstraint("overrun_count >= 0 AND overrun_count <= used_count", name="overrun_count"),
        # A use counts when its purchase is paid; a payment Stripe reports succeeded after the cap
        # was reached is honoured and recorded as an overrun: the cap holds for everything else.
        CheckConstraint("max_uses IS NULL OR used_count <= max_uses + overrun_count", name="cap"),
        CheckConstraint(_WINDOW, name="window"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    # No cascade: a discount is not deleted while promo codes point at it (the service answers 409).
    discount_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("discounts.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    max_uses: Mapped[int | None] = mapped_column(Integer)
    max_uses_per_user: Mapped[int | None] = mapped_column(Integer)
    used_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Paid uses that landed after the cap was reached (included in used_count).
    overrun_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class PromoCodeUsage(Base):
    """One counted use of a promo code, by one user, for one paid purchase."""

    __tablename__ = "promo_code_usages"
    __table_args__ = (Index("ix_promo_code_usages_promo_code_id_user_id", "promo_code_id", "user_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    promo_code_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("promo_codes.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purchase_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("purchases.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = created_at()


class Purchase(Base):
    __tablename__ = "purchases"
    __table_args__ = (
        CheckConstraint(_in("status", PURCHASE_STATUSES), name="status"),
        CheckConstraint("subtotal_cents >= 0", name="subtotal"),
        CheckConstraint("discount_applied_cents >= 0", name="discount"),
        CheckConstraint("total_cents = subtotal_cents - discount_applied_cents", name="total"),
        CheckConstraint("total_cents >= 0", name="total_nonnegative"),
        CheckConstraint("photo_count BETWEEN 1 AND 100", name="photo_count"),
        Index("ix_purchases_project_id_status", "project_id", "status"),
        Index("ix_purchases_user_id", "user_id"),
        Index("ix_purchases_operator_id_created_at", "operator_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # What was bought outlives its project: the project becomes NULL when deleted, the purchase keeps
    # its operator (who sold it) and the project's name as it was.
    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"))
    project_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    photo_count: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    subtotal_cents: Mapped[int] = mapped_column(Integer)
    discount_applied_cents: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    total_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    discount_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("discounts.id", ondelete="SET NULL"))
    promo_code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("promo_codes.id", ondelete="SET NULL"))
    applied_promo_code: Mapped[str | None] = mapped_column(String(64))
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set by notify_purchase_confirmed so the confirmation email is queued once.
    confirmation_emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()


class PurchaseItem(Base):
    """One bought photo. `photo_id` is kept (no foreign key) when the photo is deleted; its
    watermarked object then lives on at `retained_bucket`/`retained_key` while a paid purchase holds it."""

    __tablename__ = "purchase_items"

    purchase_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("purchases.id", ondelete="CASCADE"), primary_key=True
    )
    photo_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)
    price_cents: Mapped[int] = mapped_column(Integer)
    photo_name: Mapped[str | None] = mapped_column(String(255))
    retained_bucket: Mapped[str | None] = mapped_column(String(63))
    retained_key: Mapped[str | None] = mapped_column(String(512))


class PurchaseDownload(Base):
    """A download right granted by a paid purchase; `download_count` records its uses."""

    __tablename__ = "purchase_downloads"
    __table_args__ = (
        UniqueConstraint("purchase_id", "photo_id"),
        Index("ix_purchase_downloads_photo_id", "photo_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    purchase_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchases.id", ondelete="CASCADE"))
    # No foreign key: a download right outlives the deletion of its photo (see PurchaseItem).
    photo_id: Mapped[uuid.UUID] = mapped_column()
    download_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_downloaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at()


class StripeEvent(Base):
    """A verified Stripe webhook event, stored once by its id."""

    __tablename__ = "stripe_events"

    id: Mapped[uuid.UUID] = uuid_pk()
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = created_at()
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
