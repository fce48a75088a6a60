"""Stripe calls (the `stripe` library, pointed at localstripe in development and tests)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import stripe

from api.core.errors import AppError
from api.settings import get_settings

log = logging.getLogger("wairo.stripe")


class PaymentProviderUnavailable(AppError):
    status_code = 503
    code = "payment_provider_unavailable"


def _configure() -> None:
    settings = get_settings()
    stripe.api_key = settings.stripe_api_key
    stripe.api_base = settings.stripe_api_base


def create_payment_intent(purchase_id: uuid.UUID, amount_cents: int, currency: str) -> tuple[str, str]:
    """(PaymentIntent id, client secret); the purchase id is the idempotency key."""
    _configure()
    try:
        intent = stripe.PaymentIntent.create(
            amount=amount_cents,
            currency=currency,
            metadata={"purchaseId": str(purchase_id)},
            idempotency_key=str(purchase_id),
        )
    except stripe.StripeError as exc:
        log.warning("PaymentIntent creation failed: %s", exc)
        raise PaymentProviderUnavailable("The payment provider is unavailable, try again.") from exc
    if not intent.client_secret:
        raise PaymentProviderUnavailable("The payment provider returned no client secret.")
    return intent.id, intent.client_secret


def verify_webhook(payload: bytes, signature: str | None) -> dict[str, Any]:
    """The verified event as a dict; ValueError for a bad payload or signature."""
    if not signature:
        raise ValueError("missing Stripe-Signature header")
    try:
        event = stripe.Webhook.construct_event(payload, signature, get_settings().stripe_webhook_secret)
    except stripe.SignatureVerificationError as exc:
        raise ValueError(str(exc)) from exc
    data = event.to_dict()
    if not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
        raise ValueError("the event has no id or type")
    return data
