"""Rows built straight in the database (what other APIs or the pipeline would have created), for
the tests of every folder, in one style: `Factory(session).<row>(...)` returns the model row.

The `build` fixture is the factory on the test's rolled-back `db`; `Factory(session)` works on any
other session too (a really committed one, the fault stack's). Each row is committed at once: in
the `db` fixture a commit is a savepoint, so a request that rolls back does not take it along.

Arguments naming another row take the row or its id (a `uuid.UUID`, or its string as the APIs
answer it); any column can be set through the keyword arguments."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from api.core.security import (
    STAFF_AUDIENCES,
    USER_AUDIENCES,
    Role,
    hash_token,
    issue_access_token,
    issue_qr_token,
)
from api.core.storage import default_bucket, s3
from api.models import (
    Consent,
    Discount,
    Face,
    Invite,
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
    Purchase,
    PurchaseItem,
    Selfie,
    User,
)
from api.purchases.service import mark_paid
from wairo_contracts.keys import LIST_THUMBNAIL, VARIANTS, WATERMARKED, photo_key

WATERMARK_BYTES = b"\xff\xd8\xff\xe0watermarked-jpeg" + b"\x00" * 2048

_counter = iter(range(1_000_000))


def unique_email(prefix: str = "person") -> str:
    return f"{prefix}-{next(_counter)}-{os.getpid()}@example.com"


class HasId(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


Ref = HasId | uuid.UUID | str
Row = TypeVar("Row")


def id_of(ref: Ref) -> uuid.UUID:
    """The id of a row given as itself or as its id."""
    if isinstance(ref, uuid.UUID):
        return ref
    if isinstance(ref, str):
        return uuid.UUID(ref)
    return ref.id


@dataclass
class Attendee:
    """An end user with an access token (audiences main and media)."""

    user: User
    token: str

    @property
    def id(self) -> uuid.UUID:
        return self.user.id


@dataclass
class Tenant:
    """An operator with one photographer assigned to one project, and their access tokens."""

    operator: Operator
    photographer: Photographer
    project: Project
    operator_token: str
    photographer_token: str


@dataclass
class Shop:
    """A live public project with a member, a default price of 500 cents and ready photos."""

    operator: Operator
    project: Project
    buyer: Attendee
    photos: list[Photo]


def token_for(account: Ref, role: Role) -> str:
    """An access token of the account: audiences main and media for users, else backoffice and media."""
    return issue_access_token(id_of(account), role, USER_AUDIENCES if role == "user" else STAFF_AUDIENCES, 0)


class Factory:
    """Rows made on `session`, each committed as it is added (see the module doc)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Row) -> Row:
        self.session.add(row)
        self.session.commit()
        return row

    # -- accounts ----------------------------------------------------------------------------------

    def operator(self, name: str = "Studio", **fields: Any) -> Operator:
        values = {"name": name, "email": unique_email("op"), "password_hash": "x"} | fields
        return self.add(Operator(**values))

    def photographer(self, operator: Ref, name: str = "Ana Lens", **fields: Any) -> Photographer:
        values = {"name": name, "email": unique_email("ph"), "password_hash": "x"} | fields
        return self.add(Photographer(operator_id=id_of(operator), **values))

    def user(self, name: str = "Guest", **fields: Any) -> User:
        values = {"name": name, "email": unique_email("guest"), "password_hash": "x"} | fields
        return self.add(User(**values))

    def consent(self, user: Ref, version: str = "v1") -> Consent:
        """A live biometric consent."""
        return self.add(
            Consent(user_id=id_of(user), consent_type="biometric_processing", consent_version=version)
        )

    def attendee(self, project: Ref | None = None, *, consent: bool = False, **user: Any) -> Attendee:
        """A user with a token, a member of `project` when given, with biometric consent if asked."""
        row = self.user(**user)
        if project is not None:
            self.member(row, project)
        if consent:
            self.consent(row)
        return Attendee(row, token_for(row, "user"))

    # -- projects ----------------------------------------------------------------------------------

    def project(
        self,
        operator: Ref | None = None,
        *,
        name: str = "Summer Gala",
        status: str = "live",
        type: str = "public",
        terms: str | None = "Be kind to the photographers.",
        photographers: Iterable[Ref] = (),
        **fields: Any,
    ) -> Project:
        """A project (of a new operator unless given), with these photographers assigned."""
        project = self.add(
            Project(
                operator_id=id_of(operator or self.operator()),
                name=name,
                status=status,
                type=type,
                terms_and_conditions=terms,
                **fields,
            )
        )
        for photographer in photographers:
            self.add(ProjectPhotographer(project_id=project.id, photographer_id=id_of(photographer)))
        return project

    def member(self, user: Ref, project: Ref) -> ProjectMember:
        """A membership with its QR token's jti (as joining by QR leaves it)."""
        member_id = uuid.uuid4()
        _, jti, expires = issue_qr_token(member_id, id_of(project))
        return self.add(
            ProjectMember(
                id=member_id,
                project_id=id_of(project),
                user_id=id_of(user),
                qr_token_jti=jti,
                qr_token_expires_at=expires,
            )
        )

    def invite(self, project: Ref, email: str, token: str | None = None, **fields: Any) -> Invite:
        token_hash = hash_token(token or uuid.uuid4().hex)
        return self.add(Invite(project_id=id_of(project), email=email, token_hash=token_hash, **fields))

    def tenant(self, **project: Any) -> Tenant:
        """An operator with one photographer assigned to one live private project (no terms)."""
        operator = self.operator("Lumen Studio")
        photographer = self.photographer(operator)
        fields = {"name": f"Gala {uuid.uuid4().hex[:10]}", "type": "private", "terms": None} | project
        row = self.project(operator, photographers=[photographer], **fields)
        return Tenant(
            operator,
            photographer,
            row,
            token_for(operator, "operator"),
            token_for(photographer, "photographer"),
        )

    # -- photos ------------------------------------------------------------------------------------

    def photo(
        self,
        project: Ref,
        *,
        status: str = "ready",
        upload: bool = False,
        photographer: Ref | None = None,
        **extra: Any,
    ) -> Photo:
        """A photo (by `photographer` if given) with a thumbnail and a watermarked variant (`upload`:
        the watermarked object is put in storage too, its bytes WATERMARK_BYTES)."""
        if photographer is not None:
            extra["photographer_id"] = id_of(photographer)
        project_id = id_of(project)
        photo_id = uuid.uuid4()
        variants = {name: photo_key(project_id, photo_id, name) for name in (LIST_THUMBNAIL, WATERMARKED)}
        if upload:
            s3().put_object(Bucket=default_bucket(), Key=variants[WATERMARKED], Body=WATERMARK_BYTES)
        values: dict[str, Any] = {
            "id": photo_id,
            "project_id": project_id,
            "status": status,
            "original_key": photo_key(project_id, photo_id),
            "content_type": "image/jpeg",
            "width": 1200,
            "height": 800,
            "variants": variants,
            "upload_expires_at": datetime.now(UTC) + timedelta(minutes=10),
        } | extra
        return self.add(Photo(**values))

    def uploaded_photo(
        self, tenant: Tenant, taken_at: datetime | None = None, status: str = "ready", **extra: Any
    ) -> Photo:
        """A photo the tenant's photographer uploaded, its keys where the media API puts them, with
        its three variants once ready."""
        photo_id = uuid.uuid4()
        names = VARIANTS if status == "ready" else ()
        values: dict[str, Any] = {
            "id": photo_id,
            "original_key": photo_key(tenant.project.id, photo_id),
            "size_bytes": 5000,
            "taken_at": taken_at,
            "width": None,
            "height": None,
            "variants": {n: photo_key(tenant.project.id, photo_id, n) for n in names},
            "upload_expires_at": datetime.now(UTC),
            "jobs_enqueued_at": datetime.now(UTC),
        } | extra
        return self.photo(tenant.project, status=status, photographer=tenant.photographer, **values)

    def face(self, photo: Photo, embedding: list[float], model: str, **fields: Any) -> Face:
        values = {"box": [0, 0, 50, 50], "score": 1.0, "quality": 1.0} | fields
        return self.add(
            Face(
                photo_id=photo.id, project_id=photo.project_id, model=model, embedding_128=embedding, **values
            )
        )

    def tag(self, user: Ref, photo: Ref, source: str = "auto", **fields: Any) -> PhotoTag:
        return self.add(PhotoTag(photo_id=id_of(photo), user_id=id_of(user), source=source, **fields))

    def selfie(self, user: Ref, **fields: Any) -> Selfie:
        """An approved selfie (add `model` and an embedding for matching)."""
        user_id = id_of(user)
        values = {
            "object_key": f"selfies/{user_id}/{uuid.uuid4()}.jpg",
            "content_type": "image/jpeg",
            "status": "approved",
            "upload_expires_at": datetime.now(UTC) + timedelta(hours=1),
        } | fields
        return self.add(Selfie(user_id=user_id, **values))

    # -- commerce ----------------------------------------------------------------------------------

    def price(self, operator: Ref, cents: int, project: Ref | None = None, **fields: Any) -> PricingRule:
        project_id = id_of(project) if project is not None else None
        return self.add(
            PricingRule(
                operator_id=id_of(operator), project_id=project_id, price_per_photo_cents=cents, **fields
            )
        )

    def discount(
        self,
        operator: Ref,
        type: str,
        value: int,
        *,
        link: Ref | None = None,
        name: str | None = None,
        **fields: Any,
    ) -> Discount:
        """A discount of the operator, linked to the project `link` when given."""
        discount = self.add(
            Discount(
                operator_id=id_of(operator), name=name or f"{type} {value}", type=type, value=value, **fields
            )
        )
        if link is not None:
            self.add(ProjectDiscount(project_id=id_of(link), discount_id=discount.id))
        return discount

    def promo(self, discount: Discount, code: str | None = None, **fields: Any) -> PromoCode:
        code = code or f"P{uuid.uuid4().hex[:8].upper()}"
        return self.add(
            PromoCode(operator_id=discount.operator_id, discount_id=discount.id, code=code, **fields)
        )

    def purchase(
        self,
        project: Ref,
        user: Ref,
        *,
        status: str = "paid",
        photo_count: int = 2,
        unit_price_cents: int = 500,
        discount_cents: int = 0,
        created_at: datetime | None = None,
        promo_code: str | None = None,
    ) -> Purchase:
        """A purchase row in this status (no photos listed: see `paid_purchase` for those)."""
        subtotal = photo_count * unit_price_cents
        row = self.session.get_one(Project, id_of(project))
        purchase = Purchase(
            operator_id=row.operator_id,
            project_id=row.id,
            project_name=row.name,
            user_id=id_of(user),
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
        return self.add(purchase)

    def paid_purchase(self, project: Project, buyer: Ref, photos: Iterable[Ref]) -> Purchase:
        """The buyer's purchase of these photos at 500 cents each, paid as the Stripe webhook does
        (`mark_paid`: download rights included)."""
        photo_ids = [id_of(p) for p in photos]
        purchase = Purchase(
            user_id=id_of(buyer),
            operator_id=project.operator_id,
            project_id=project.id,
            project_name=project.name,
            status="pending",
            photo_count=len(photo_ids),
            unit_price_cents=500,
            subtotal_cents=500 * len(photo_ids),
            total_cents=500 * len(photo_ids),
            currency="eur",
        )
        self.session.add(purchase)
        self.session.flush()
        self.session.add_all(
            PurchaseItem(purchase_id=purchase.id, photo_id=p, price_cents=500) for p in photo_ids
        )
        self.session.flush()
        mark_paid(self.session, purchase)
        self.session.commit()
        return purchase

    def shop(self, photos: int = 3, upload: bool = False) -> Shop:
        """A live public project with a member, a default price of 500 cents and `photos` ready photos."""
        operator = self.operator()
        project = self.project(operator)
        buyer = self.attendee(project)
        self.price(operator, 500)
        return Shop(operator, project, buyer, [self.photo(project, upload=upload) for _ in range(photos)])
