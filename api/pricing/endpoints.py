"""Pricing rules, discounts and promo codes (operator role)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, status

from api.deps import CurrentOperator, SessionDep
from api.pricing import service
from api.pricing.schemas import (
    DiscountCreate,
    DiscountOut,
    DiscountUpdate,
    PricingRuleCreate,
    PricingRuleOut,
    PricingRuleUpdate,
    PromoCodeCreate,
    PromoCodeOut,
    PromoCodeUpdate,
)

rules_router = APIRouter(prefix="/v1/pricing/rules", tags=["pricing"])
discounts_router = APIRouter(prefix="/v1/discounts", tags=["discounts"])
promo_codes_router = APIRouter(prefix="/v1/promo-codes", tags=["promo codes"])
ResourceId = Annotated[uuid.UUID, Path(alias="id")]


@rules_router.get("")
def list_pricing_rules(operator: CurrentOperator, session: SessionDep) -> list[PricingRuleOut]:
    return [PricingRuleOut.model_validate(r) for r in service.list_rules(session, operator)]


@rules_router.post("", status_code=status.HTTP_201_CREATED)
def create_pricing_rule(
    body: PricingRuleCreate, operator: CurrentOperator, session: SessionDep
) -> PricingRuleOut:
    return PricingRuleOut.model_validate(service.create_rule(session, operator, body))


@rules_router.patch("/{id}")
def update_pricing_rule(
    rule_id: ResourceId, body: PricingRuleUpdate, operator: CurrentOperator, session: SessionDep
) -> PricingRuleOut:
    return PricingRuleOut.model_validate(service.update_rule(session, operator, rule_id, body))


@rules_router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_pricing_rule(rule_id: ResourceId, operator: CurrentOperator, session: SessionDep) -> None:
    service.delete_rule(session, operator, rule_id)


@discounts_router.get("")
def list_discounts(operator: CurrentOperator, session: SessionDep) -> list[DiscountOut]:
    return [DiscountOut.model_validate(d) for d in service.list_discounts(session, operator)]


@discounts_router.post("", status_code=status.HTTP_201_CREATED)
def create_discount(body: DiscountCreate, operator: CurrentOperator, session: SessionDep) -> DiscountOut:
    return DiscountOut.model_validate(service.create_discount(session, operator, body))


@discounts_router.patch("/{id}")
def update_discount(
    discount_id: ResourceId, body: DiscountUpdate, operator: CurrentOperator, session: SessionDep
) -> DiscountOut:
    return DiscountOut.model_validate(service.update_discount(session, operator, discount_id, body))


@discounts_router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_discount(discount_id: ResourceId, operator: CurrentOperator, session: SessionDep) -> None:
    service.delete_discount(session, operator, discount_id)


@promo_codes_router.get("")
def list_promo_codes(operator: CurrentOperator, session: SessionDep) -> list[PromoCodeOut]:
    return [PromoCodeOut.model_validate(p) for p in service.list_promo_codes(session, operator)]


@promo_codes_router.post("", status_code=status.HTTP_201_CREATED)
def create_promo_code(body: PromoCodeCreate, operator: CurrentOperator, session: SessionDep) -> PromoCodeOut:
    return PromoCodeOut.model_validate(service.create_promo_code(session, operator, body))


@promo_codes_router.patch("/{id}")
def update_promo_code(
    promo_code_id: ResourceId, body: PromoCodeUpdate, operator: CurrentOperator, session: SessionDep
) -> PromoCodeOut:
    return PromoCodeOut.model_validate(service.update_promo_code(session, operator, promo_code_id, body))


@promo_codes_router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_promo_code(promo_code_id: ResourceId, operator: CurrentOperator, session: SessionDep) -> None:
    service.delete_promo_code(session, operator, promo_code_id)
