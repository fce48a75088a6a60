"""Fixtures of the main API tests: a data builder over the models (any session: the rolled-back
test session or a really committed one), Stripe webhook signing, and a real uvicorn main API."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import uvicorn
from sqlalchemy.orm import Session

from api.core.security import USER_AUDIENCES, issue_access_token, issue_qr_token
from api.core.storage import default_bucket, s3
from api.models import (
    Discount,
    Operator,
    Photo,
    PhotoTag,
    PricingRule,
    Project,
    ProjectDiscount,
    ProjectMember,
    PromoCode,
    User,
)
from api.settings import get_settings
from tests.conftest import unique_email

WATERMARK_BYTES = b"\xff\xd8\xff\xe0watermarked-jpeg" + b"\x00" * 2048


@dataclass
class Attendee:
    user: User
    token: str

    @property
    def id(self) -> uuid.UUID:
        return self.user.id


class Builder:
    """Rows inserted directly (what other APIs would have created), committed at once (in the `db`
    fixture a commit is a savepoint, so a request that rolls back does not take them with it)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _add(self, row: Any) -> Any:
        self.session.add(row)
        self.session.commit()
        return row

    def operator(self, currency: str = "eur") -> Operator:
        email = unique_email("op")
        return self._add(Operator(name="Studio", email=email, password_hash="x", currency=currency))

    def project(
        self,
        operator: Operator | None = None,
        *,
        status: str = "live",
        type: str = "public",
        terms: str | None = "Be kind to the photographers.",
    ) -> Project:
        operator = operator or self.operator()
        return self._add(
            Project(
                operator_id=operator.id,
                name="Summer Gala",
                status=status,
                type=type,
                terms_and_conditions=terms,
            )
        )

    def attendee(self) -> Attendee:
        user = self._add(User(name="Guest", email=unique_email("guest"), password_hash="x"))
        return Attendee(user, issue_access_token(user.id, "user", USER_AUDIENCES))

    def member(self, attendee: Attendee, project: Project) -> ProjectMember:
        member_id = uuid.uuid4()
        _, jti, expires = issue_qr_token(member_id, project.id)
        return self._add(
            ProjectMember(
                id=member_id,
                project_id=project.id,
                user_id=attendee.id,
                qr_token_jti=jti,
                qr_token_expires_at=expires,
            )
        )

    def photo(self, project: Project, *, status: str = "ready", upload: bool = False, **extra: Any) -> Photo:
        photo_id = uuid.uuid4()
        base = f"projects/{project.id}/photos/{photo_id}"
        variants = {"thumb-400": f"{base}/thumb-400.jpg", "watermarked": f"{base}/watermarked.jpg"}
        if upload:
            s3().put_object(Bucket=default_bucket(), Key=variants["watermarked"], Body=WATERMARK_BYTES)
        values: dict[str, Any] = {
            "id": photo_id,
            "project_id": project.id,
            "status": status,
            "original_key": f"{base}/original.jpg",
            "content_type": "image/jpeg",
            "width": 1200,
            "height": 800,
            "variants": variants,
            "upload_expires_at": datetime.now(UTC) + timedelta(minutes=10),
        } | extra
        return self._add(Photo(**values))

    def tag(self, attendee: Attendee, photo: Photo, source: str = "auto") -> PhotoTag:
        return self._add(PhotoTag(photo_id=photo.id, user_id=attendee.id, source=source))

    def price(
        self, operator_id: uuid.UUID, cents: int, project: Project | None = None, **extra: Any
    ) -> PricingRule:
        return self._add(
            PricingRule(
                operator_id=operator_id,
                project_id=project.id if project else None,
                price_per_photo_cents=cents,
                **extra,
            )
        )

    def discount(
        self, operator_id: uuid.UUID, type: str, value: int, *, link: Project | None = None, **extra: Any
    ) -> Discount:
        discount = self._add(
            Discount(operator_id=operator_id, name=f"{type} {value}", type=type, value=value, **extra)
        )
        if link is not None:
            self._add(ProjectDiscount(project_id=link.id, discount_id=discount.id))
        return discount

    def promo(self, discount: Discount, code: str | None = None, **extra: Any) -> PromoCode:
        code = code or f"P{uuid.uuid4().hex[:8].upper()}"
        return self._add(
            PromoCode(operator_id=discount.operator_id, discount_id=discount.id, code=code, **extra)
        )


@pytest.fixture
def build(db: Session) -> Builder:
    return Builder(db)


@dataclass
class Shop:
    """A live public project with a member, a default price of 500 cents and ready photos."""

    operator: Operator
    project: Project
    buyer: Attendee
    photos: list[Photo]


def make_shop(build: Builder, photos: int = 3, upload: bool = False) -> Shop:
    operator = build.operator()
    project = build.project(operator)
    buyer = build.attendee()
    build.member(buyer, project)
    build.price(operator.id, 500)
    return Shop(operator, project, buyer, [build.photo(project, upload=upload) for _ in range(photos)])


@pytest.fixture
def shop(build: Builder) -> Shop:
    return make_shop(build)


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


@pytest.fixture(scope="session")
def live_main_api(infra: dict[str, str]) -> Iterator[str]:
    """The main API served by uvicorn on the port localstripe sends its webhooks to (real commits)."""
    from api.apps.main import create_app

    port = int(infra["main_port"])
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the main API did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
