"""Stripe calls (the `stripe` library, pointed at localstripe in development and tests)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import stripe

from api.core.errors import AppError
from api.settings import get_settings

log = logging.getLogger("wairo.stripe")


RETRY_AFTER_S = 5


class PaymentProviderUnavailable(AppError):
    """Stripe cannot be reached or limits our rate: worth retrying shortly."""

    status_code = 503
    code = "payment_provider_unavailable"
    headers = {"Retry-After": str(RETRY_AFTER_S)}


class PaymentRequestRejected(AppError):
    """Stripe refused the request as invalid (e.g. an amount below the currency's minimum)."""

    status_code = 422
    code = "payment_rejected"


class PaymentProviderFault(AppError):
    """Our side of the Stripe integration is broken (a bad key, a missing permission) or Stripe
    answered something unexpected: the platform's fault, not the buyer's, and retrying won't help."""

    status_code = 502
    code = "payment_provider_error"


def _configure() -> None:
    settings = get_settings()
    stripe.api_key = settings.stripe_api_key
    stripe.api_base = settings.stripe_api_base


@contextmanager
def _stripe_call(action: str) -> Iterator[None]:
    """Stripe's errors by kind as the API's errors (see the classes above)."""
    _configure()
    try:
        yield
    except stripe.InvalidRequestError as exc:
        log.info("%s refused by Stripe: %s", action, exc)
        raise PaymentRequestRejected(
            exc.user_message or "The payment provider refused the request.",
            details={"stripeCode": exc.code} if exc.code else None,
        ) from exc
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        log.warning("%s: Stripe unavailable: %s", action, exc)
        raise PaymentProviderUnavailable("The payment provider is unavailable, try again.") from exc
    except (stripe.AuthenticationError, stripe.PermissionError) as exc:
        log.error("%s: Stripe refused our credentials (check WAIRO_STRIPE_API_KEY): %s", action, exc)
        raise PaymentProviderFault(
            "The payment provider is misconfigured on our side.", code="payment_provider_misconfigured"
        ) from exc
    except stripe.StripeError as exc:
        log.exception("%s: unexpected Stripe error", action)
        raise PaymentProviderFault("The payment provider answered unexpectedly.") from exc


def create_payment_intent(purchase_id: uuid.UUID, amount_cents: int, currency: str) -> tuple[str, str]:
    """(PaymentIntent id, client secret); the purchase id is the idempotency key."""
    with _stripe_call("PaymentIntent creation"):
        intent = stripe.PaymentIntent.create(
            amount=amount_cents,
            currency=currency,
            metadata={"purchaseId": str(purchase_id)},
            idempotency_key=str(purchase_id),
        )
    if not intent.client_secret:
        raise PaymentProviderFault("The payment provider returned no client secret.")
    return intent.id, intent.client_secret


_CANCELABLE_STATES = {
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "requires_capture",
}


def cancel_payment_intent(intent_id: str) -> str:
    """Cancel the PaymentIntent if it still can be; its status on Stripe afterwards: `canceled`,
    or `succeeded` / `processing` when the payment went (or is going) through first."""
    with _stripe_call("PaymentIntent cancellation"):
        try:
            return str(stripe.PaymentIntent.cancel(intent_id).status)
        except stripe.InvalidRequestError:
            # Stripe refuses to cancel in any other state: already canceled, processing, succeeded.
            status = str(stripe.PaymentIntent.retrieve(intent_id).status)
    if status in _CANCELABLE_STATES:
        raise PaymentProviderFault("The payment provider refused to cancel an open payment.")
    return status


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
