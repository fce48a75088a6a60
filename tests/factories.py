"""Rows built straight in the database for the tests of every folder."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from api.core.security import USER_AUDIENCES, issue_access_token, issue_qr_token
from api.core.storage import default_bucket, s3
from api.models import (
    Discount,
    Operator,
    Photo,
    Photographer,
    PhotoTag,
    PricingRule,
    Project,
    ProjectDiscount,
    ProjectMember,
    ProjectPhotographer,
    PromoCode,
    Selfie,
    User,
)
from wairo_contracts.keys import LIST_THUMBNAIL, WATERMARKED, photo_key

_counter = iter(range(1_000_000))


def unique_email(prefix: str = "person") -> str:
    return f"{prefix}-{next(_counter)}-{os.getpid()}@example.com"


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
        variants = {name: photo_key(project.id, photo_id, name) for name in (LIST_THUMBNAIL, WATERMARKED)}
        if upload:
            s3().put_object(Bucket=default_bucket(), Key=variants[WATERMARKED], Body=WATERMARK_BYTES)
        values: dict[str, Any] = {
            "id": photo_id,
            "project_id": project.id,
            "status": status,
            "original_key": photo_key(project.id, photo_id),
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


@dataclass
class Tenant:
    operator: Operator
    photographer: Photographer
    project: Project
    operator_token: str
    photographer_token: str


def _token(subject: uuid.UUID, role: Any) -> str:
    audiences: Any = ["main", "media"] if role == "user" else ["backoffice", "media"]
    return issue_access_token(subject, role, audiences)


def seed_tenant(session: Session, **project: Any) -> Tenant:
    """An operator with one photographer assigned to one project (accounts straight in the DB)."""
    tag = uuid.uuid4().hex[:10]
    operator = Operator(name="Lumen Studio", email=f"op-{tag}@example.com", password_hash="x")
    session.add(operator)
    session.flush()
    photographer = Photographer(
        operator_id=operator.id, name="Ana Lens", email=f"ph-{tag}@example.com", password_hash="x"
    )
    proj = Project(operator_id=operator.id, name=f"Gala {tag}", **({"status": "live"} | project))
    session.add_all([photographer, proj])
    session.flush()
    session.add(ProjectPhotographer(project_id=proj.id, photographer_id=photographer.id))
    session.commit()  # a savepoint under the `db` fixture: survives the API's rollbacks on errors
    return Tenant(
        operator, photographer, proj, _token(operator.id, "operator"), _token(photographer.id, "photographer")
    )


def seed_user(session: Session, project: Project | None = None, consent: bool = False) -> tuple[User, str]:
    from api.models import Consent

    user = User(name="Guest", email=f"user-{uuid.uuid4().hex[:10]}@example.com", password_hash="x")
    session.add(user)
    session.flush()
    if project is not None:
        session.add(
            ProjectMember(
                project_id=project.id,
                user_id=user.id,
                qr_token_jti=uuid.uuid4().hex,
                qr_token_expires_at=project.created_at,
            )
        )
    if consent:
        session.add(Consent(user_id=user.id, consent_type="biometric_processing", consent_version="v1"))
    session.commit()
    return user, _token(user.id, "user")


def seed_selfie(session: Session, user_id: uuid.UUID, **extra: Any) -> Selfie:
    """An approved selfie (add `model` and an embedding for matching); flushed, not committed."""
    selfie = Selfie(
        user_id=user_id,
        object_key=f"selfies/{user_id}/{uuid.uuid4()}.jpg",
        content_type="image/jpeg",
        status="approved",
        upload_expires_at=datetime.now(UTC) + timedelta(hours=1),
        **extra,
    )
    session.add(selfie)
    session.flush()
    return selfie
