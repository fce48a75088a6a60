"""Stripe in the tests: webhook deliveries signed as Stripe signs them, handed to the main API and
processed as the worker's job does, and PaymentIntents read back from localstripe."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.purchases.service import process_stripe_event
from api.settings import get_settings

HOOK = "/v1/stripe-webhook"


def sign_stripe_payload(payload: bytes, secret: str | None = None, timestamp: int | None = None) -> str:
    """Stripe's signature scheme: t=<ts>,v1=HMAC_SHA256(secret, "<ts>.<payload>")."""
    ts = timestamp if timestamp is not None else int(time.time())
    secret = secret or get_settings().stripe_webhook_secret
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


def stripe_event(
    event_type: str, obj: dict[str, Any], event_id: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """A signed webhook delivery: (body, headers)."""
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": obj},
    }
    payload = json.dumps(event).encode()
    return payload, {"Stripe-Signature": sign_stripe_payload(payload), "Content-Type": "application/json"}


def deliver(
    client: TestClient, db: Session, event_type: str, obj: dict[str, Any], event_id: str | None = None
) -> str:
    """A signed webhook delivery, then what the worker's job does with it."""
    payload, headers = stripe_event(event_type, obj, event_id)
    response = client.post(HOOK, content=payload, headers=headers)
    assert response.status_code == 200, response.text
    event_id = json.loads(payload)["id"]
    process_stripe_event(db, event_id)
    db.commit()
    return str(event_id)


def fetch_intent(infra: dict[str, str], intent_id: str) -> dict[str, Any]:
    """The PaymentIntent as localstripe has it now."""
    headers = {"Authorization": f"Bearer {get_settings().stripe_api_key}"}
    response = httpx.get(f"{infra['stripe']}/v1/payment_intents/{intent_id}", headers=headers)
    response.raise_for_status()
    return dict(response.json())
