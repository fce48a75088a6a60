"""Helpers shared by the backoffice tests: error-body assertions and rows built in the test DB."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.core.security import hash_password
from api.models import Photo, PhotoTag, Project, ProjectMember, Purchase, User
from tests.factories import unique_email
from tests.support.http import bearer

_PASSWORD_HASH = hash_password("guest-pass")


def make_project(client: TestClient, token: str, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/projects", json={"name": "Summer Gala", **body}, headers=bearer(token))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def add_user(db: Session, email: str | None = None, name: str = "Guest") -> User:
    user = User(name=name, email=email or unique_email("user"), password_hash=_PASSWORD_HASH)
    db.add(user)
    db.commit()  # a savepoint of the test transaction: survives a failing request
    return user


def add_member(db: Session, project_id: str, user: User) -> None:
    db.add(
        ProjectMember(
            project_id=uuid.UUID(project_id),
            user_id=user.id,
            qr_token_jti=uuid.uuid4().hex,
            qr_token_expires_at=datetime.now(UTC) + timedelta(days=30),
        )
    )
    db.commit()  # a savepoint of the test transaction: survives a failing request


def add_photo(db: Session, project_id: str, photographer_id: str | None, status: str = "ready") -> Photo:
    photo_id = uuid.uuid4()
    photo = Photo(
        id=photo_id,
        project_id=uuid.UUID(project_id),
        photographer_id=uuid.UUID(photographer_id) if photographer_id else None,
        status=status,
        original_key=f"photos/{project_id}/{photo_id}/original.jpg",
        content_type="image/jpeg",
        upload_expires_at=datetime.now(UTC) + timedelta(minutes=10),
    )
    db.add(photo)
    db.commit()  # a savepoint of the test transaction: survives a failing request
    return photo


def add_tag(db: Session, photo: Photo, user: User, *, deleted: bool = False) -> None:
    db.add(PhotoTag(photo_id=photo.id, user_id=user.id, deleted_at=datetime.now(UTC) if deleted else None))
    db.commit()  # a savepoint of the test transaction: survives a failing request


def add_purchase(
    db: Session,
    project_id: str,
    user: User,
    *,
    status: str = "paid",
    photo_count: int = 2,
    unit_price_cents: int = 500,
    discount_cents: int = 0,
    created_at: datetime | None = None,
    promo_code: str | None = None,
) -> Purchase:
    subtotal = photo_count * unit_price_cents
    project = db.get_one(Project, uuid.UUID(project_id))
    purchase = Purchase(
        operator_id=project.operator_id,
        project_id=project.id,
        project_name=project.name,
        user_id=user.id,
        status=status,
        photo_count=photo_count,
        unit_price_cents=unit_price_cents,
        subtotal_cents=subtotal,
        discount_applied_cents=discount_cents,
        total_cents=subtotal - discount_cents,
        currency="eur",
        applied_promo_code=promo_code,
        stripe_payment_intent_id=f"pi_{uuid.uuid4().hex}",
        paid_at=datetime.now(UTC) if status == "paid" else None,
    )
    if created_at is not None:
        purchase.created_at = created_at
    db.add(purchase)
    db.commit()  # a savepoint of the test transaction: survives a failing request
    return purchase
