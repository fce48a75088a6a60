"""Pricing rules, discounts and promo codes of one operator."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from api.core.errors import Conflict, NotFound, Unprocessable
from api.core.schemas import check_window
from api.models import Discount, Operator, PricingRule, Project, ProjectDiscount, PromoCode
from api.pricing.schemas import (
    DiscountCreate,
    DiscountUpdate,
    PricingRuleCreate,
    PricingRuleUpdate,
    PromoCodeCreate,
    PromoCodeUpdate,
)

Owned = TypeVar("Owned", PricingRule, Discount, PromoCode)


def _get(session: Session, model: type[Owned], operator: Operator, object_id: uuid.UUID, what: str) -> Owned:
    obj = session.scalar(
        select(model).where(model.id == object_id, model.operator_id == operator.id).with_for_update()
    )
    if obj is None:
        raise NotFound(f"{what} not found.")
    return obj


def _list(session: Session, model: type[Owned], operator: Operator) -> list[Owned]:
    return list(
        session.scalars(
            select(model).where(model.operator_id == operator.id).order_by(model.created_at, model.id)
        )
    )


def _patch(session: Session, obj: Owned, changes: dict[str, Any]) -> Owned:
    """Apply a partial update, checking the validity window against the stored values."""
    try:
        check_window(
            changes.get("valid_from", obj.valid_from),
            changes.get("valid_until", obj.valid_until),
            strict=True,
            what="validUntil",
        )
    except ValueError as exc:
        raise Unprocessable(str(exc), code="validation_error") from exc
    for field, value in changes.items():
        setattr(obj, field, value)
    session.flush()
    session.refresh(obj)
    return obj


def _add(session: Session, obj: Owned) -> Owned:
    session.add(obj)
    session.flush()
    session.refresh(obj)
    return obj


# --- pricing rules -------------------------------------------------------------------------------


def list_rules(session: Session, operator: Operator) -> list[PricingRule]:
    """The operator's defaults first, then the project overrides."""
    return list(
        session.scalars(
            select(PricingRule)
            .where(PricingRule.operator_id == operator.id)
            .order_by(PricingRule.project_id.is_not(None), PricingRule.created_at, PricingRule.id)
        )
    )


def create_rule(session: Session, operator: Operator, data: PricingRuleCreate) -> PricingRule:
    if data.project_id is not None and not session.scalar(
        select(exists().where(Project.id == data.project_id, Project.operator_id == operator.id))
    ):
        raise NotFound("Project not found.")
    return _add(session, PricingRule(operator_id=operator.id, **data.model_dump()))


def update_rule(
    session: Session, operator: Operator, rule_id: uuid.UUID, data: PricingRuleUpdate
) -> PricingRule:
    return _patch(session, _get(session, PricingRule, operator, rule_id, "Pricing rule"), data.changes())


def delete_rule(session: Session, operator: Operator, rule_id: uuid.UUID) -> None:
    session.delete(_get(session, PricingRule, operator, rule_id, "Pricing rule"))
    session.flush()


# --- discounts -----------------------------------------------------------------------------------


def list_discounts(session: Session, operator: Operator) -> list[Discount]:
    return _list(session, Discount, operator)


def create_discount(session: Session, operator: Operator, data: DiscountCreate) -> Discount:
    return _add(session, Discount(operator_id=operator.id, **data.model_dump()))


def update_discount(
    session: Session, operator: Operator, discount_id: uuid.UUID, data: DiscountUpdate
) -> Discount:
    return _patch(session, _get(session, Discount, operator, discount_id, "Discount"), data.changes())


def delete_discount(session: Session, operator: Operator, discount_id: uuid.UUID) -> None:
    """Refused (409) while a project links it or a promo code points at it (the foreign keys refuse
    it too). The discount's row lock makes a concurrent link or promo code wait for this decision
    (their foreign key check shares the row)."""
    discount = _get(session, Discount, operator, discount_id, "Discount")
    if session.scalar(select(exists().where(ProjectDiscount.discount_id == discount.id))):
        raise Conflict("The discount is still linked to a project; unlink it first.", code="discount_in_use")
    if session.scalar(select(exists().where(PromoCode.discount_id == discount.id))):
        raise Conflict("Promo codes still apply this discount; delete them first.", code="discount_in_use")
    session.delete(discount)
    session.flush()


# --- promo codes ---------------------------------------------------------------------------------


def list_promo_codes(session: Session, operator: Operator) -> list[PromoCode]:
    return _list(session, PromoCode, operator)


def create_promo_code(session: Session, operator: Operator, data: PromoCodeCreate) -> PromoCode:
    if not session.scalar(
        select(exists().where(Discount.id == data.discount_id, Discount.operator_id == operator.id))
    ):
        raise NotFound("Discount not found.")
    if session.scalar(
        select(exists().where(PromoCode.operator_id == operator.id, PromoCode.code == data.code))
    ):
        raise Conflict("You already have a promo code with this code.", code="promo_code_taken")
    return _add(session, PromoCode(operator_id=operator.id, **data.model_dump()))


def update_promo_code(
    session: Session, operator: Operator, promo_id: uuid.UUID, data: PromoCodeUpdate
) -> PromoCode:
    promo = _get(session, PromoCode, operator, promo_id, "Promo code")
    changes = data.changes()
    max_uses = changes.get("max_uses", promo.max_uses)
    within_cap = promo.used_count - promo.overrun_count  # overruns: paid after the cap was reached
    if max_uses is not None and max_uses < within_cap:
        raise Conflict(
            f"maxUses cannot be below the {within_cap} use(s) already counted.", code="below_used_count"
        )
    return _patch(session, promo, changes)


def delete_promo_code(session: Session, operator: Operator, promo_id: uuid.UUID) -> None:
    session.delete(_get(session, PromoCode, operator, promo_id, "Promo code"))
    session.flush()
