"""Authorisation matrix generated from the three apps' route tables.

Every route x {no token, expired token, wrong audience, wrong role} answers 401/401/401/403, and
every route that takes ids answers 404/403 (never data) to a caller of the right role from another
tenant. A route the matrix cannot place — a public route not listed in PUBLIC, or an id parameter
with no resource of the other tenant mapped to it — fails the test, so new routes must be covered.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.apps import backoffice, main, media
from api.core.security import ROLES, Audience, Role, hash_password, hash_token
from api.deps import AuthRequirement
from api.models import Album, AlbumPhoto, ShareLink, UploadSession
from api.settings import get_settings
from tests.factories import Factory
from tests.routes import account_token, api_routes, requirement
from tests.support.apps import client_for
from tests.support.http import bearer

APP_FACTORIES: dict[str, Callable[[], FastAPI]] = {
    "backoffice": backoffice.create_app,
    "main": main.create_app,
    "media": media.create_app,
}
# Routes with no token by design (each has its own guard: credentials, signature, secret or token).
PUBLIC = {
    ("backoffice", "POST", "/v1/auth/register"),
    ("backoffice", "POST", "/v1/auth/login"),
    ("main", "POST", "/v1/auth/register"),
    ("main", "POST", "/v1/auth/login"),
    ("main", "POST", "/v1/auth/forgot-password"),
    ("main", "POST", "/v1/auth/reset-password"),
    ("main", "GET", "/v1/projects/{id}/public"),
    ("main", "GET", "/v1/projects/{projectId}/terms"),
    ("main", "GET", "/v1/consent/biometric/current"),
    ("main", "GET", "/v1/shares/{token}"),
    ("main", "GET", "/s/{token}"),
    # The attendee web pages (api/web): the page shells are public, their data comes from the APIs.
    ("main", "GET", "/e/{projectId}"),
    ("main", "GET", "/e/{projectId}/selfie"),
    ("main", "GET", "/e/{projectId}/photos"),
    ("main", "GET", "/e/{projectId}/checkout"),
    ("main", "GET", "/static/{digest}/{name}"),
    ("main", "POST", "/v1/stripe-webhook"),
    ("media", "POST", "/internal/storage-events"),
}
# Bodies that pass validation where `{}` would not, so that the tenancy check is what answers.
VALID_BODIES: dict[tuple[str, str, str], dict[str, Any]] = {
    ("media", "PATCH", "/v1/photos/{photoId}"): {"visibility": "hidden"},
}
SKIP_PATHS = {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
AUDIENCES: tuple[Audience, ...] = ("main", "backoffice", "media")


def _routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    for route in api_routes(app):
        if route.path not in SKIP_PATHS:
            for method in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
                yield method, route.path, route


ALL_ROUTES = [
    (name, method, path, route)
    for name, factory in APP_FACTORIES.items()
    for method, path, route in _routes(factory())
]
PROTECTED = [(n, m, p, r, req) for n, m, p, r in ALL_ROUTES if (req := requirement(r.dependant)) is not None]


def test_every_route_is_either_protected_or_listed_public() -> None:
    unplaced = [
        (n, m, p) for n, m, p, r in ALL_ROUTES if requirement(r.dependant) is None and (n, m, p) not in PUBLIC
    ]
    assert unplaced == [], f"routes with neither an auth dependency nor a PUBLIC entry: {unplaced}"
    stale = PUBLIC - {(n, m, p) for n, m, p, _ in ALL_ROUTES}
    assert stale == set(), f"PUBLIC lists routes that do not exist: {stale}"


def _token(sub: uuid.UUID, role: Role, aud: list[Audience], expired: bool = False) -> str:
    now = datetime.now(UTC)
    exp = now - timedelta(minutes=1) if expired else now + timedelta(hours=1)
    claims = {
        "sub": str(sub),
        "role": role,
        "ver": 0,
        "aud": aud,
        "iat": now,
        "exp": exp,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, get_settings().jwt_secret, algorithm="HS256")


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), str(uuid.uuid4())), path)


def _call(
    client: TestClient, method: str, path: str, headers: dict[str, str], body: dict[str, Any] | None = None
) -> Any:
    kwargs: dict[str, Any] = {"headers": headers}
    if method in {"POST", "PUT", "PATCH"}:
        kwargs["json"] = body or {}
    return client.request(method, path, **kwargs)


@pytest.fixture(scope="module")
def clients_unbound() -> dict[str, FastAPI]:
    return {name: factory() for name, factory in APP_FACTORIES.items()}


@pytest.mark.parametrize(
    ("app_name", "method", "path", "route", "req"), PROTECTED, ids=lambda v: v if isinstance(v, str) else ""
)
def test_token_checks(
    db: Session,
    clients_unbound: dict[str, FastAPI],
    app_name: str,
    method: str,
    path: str,
    route: APIRoute,
    req: AuthRequirement,
) -> None:
    client = client_for(clients_unbound[app_name], db)
    url = _fill(path, {"partNumber": "1"})
    role = req.roles[0]
    other_audiences = [a for a in AUDIENCES if a != req.audience]
    subject = uuid.uuid4()
    cases = {
        "no token": ({}, 401),
        "malformed header": ({"Authorization": "Token abc"}, 401),
        "garbage token": (bearer("not.a.jwt"), 401),
        "expired": (bearer(_token(subject, role, [req.audience], expired=True)), 401),
        "wrong audience": (bearer(_token(subject, role, other_audiences)), 401),
    }
    wrong_roles = [r for r in ROLES if r not in req.roles]
    if wrong_roles:
        cases["wrong role"] = (bearer(_token(subject, wrong_roles[0], [req.audience])), 403)
    for case, (headers, expected) in cases.items():
        response = _call(client, method, url, headers)
        assert response.status_code == expected, (
            f"{case}: {method} {url} → {response.status_code} {response.text}"
        )
        assert "error" in response.json()


class OtherTenant:
    """Every kind of resource, owned by tenant B, built directly in the test's transaction."""

    def __init__(self, db: Session) -> None:
        build = Factory(db)
        pw = hash_password("tenant-b-pass")
        tag = uuid.uuid4().hex[:8]
        now = datetime.now(UTC)
        self.operator = build.operator("B", password_hash=pw)
        self.photographer = build.photographer(self.operator, name="PB", password_hash=pw)
        self.user = build.user(name="UB", password_hash=pw)
        self.project = build.project(
            self.operator, name="B event", type="private", terms=None, photographers=[self.photographer]
        )
        build.member(self.user, self.project)
        build.consent(self.user)
        base = f"photos/{self.project.id}/{uuid.uuid4()}"
        self.photo = build.photo(
            self.project,
            photographer=self.photographer,
            original_key=f"{base}/original.jpg",
            variants={k: f"{base}/{k}.jpg" for k in ("thumb-400", "thumb-800", "watermarked")},
            upload_expires_at=now,
            width=None,
            height=None,
        )
        self.discount = build.discount(self.operator, "percentage", 10, name="B10")
        self.rule = build.price(self.operator, 500)
        self.selfie = build.selfie(
            self.user,
            object_key=f"selfies/{self.user.id}/{tag}.jpg",
            status="pending_upload",
            upload_expires_at=now,
        )
        self.invite = build.invite(self.project, f"inv-{tag}@example.com", token=tag)
        self.promo = build.promo(self.discount, code=f"B{tag}".upper())
        self.purchase = build.paid_purchase(self.project, self.user, [self.photo])
        self.share_token = f"share-{tag}"
        self.share = ShareLink(
            photo_id=self.photo.id,
            user_id=self.user.id,
            token_hash=hash_token(self.share_token),
            expires_at=now + timedelta(days=1),
        )
        self.upload = UploadSession(
            photo_id=self.photo.id,
            s3_upload_id="u",
            object_key=self.photo.original_key,
            total_bytes=10_000_000,
            part_size_bytes=5_242_880,
            content_type="image/jpeg",
            expires_at=now + timedelta(hours=1),
        )
        self.album = Album(project_id=self.project.id, name="B album", position=0)
        db.add_all([self.share, self.upload, self.album])
        db.flush()
        db.add(AlbumPhoto(album_id=self.album.id, photo_id=self.photo.id, position=0))
        db.flush()

    def ids(self) -> set[str]:
        return {
            str(x.id)
            for x in (
                self.operator,
                self.photographer,
                self.user,
                self.project,
                self.photo,
                self.discount,
                self.rule,
                self.promo,
                self.purchase,
                self.selfie,
                self.invite,
                self.share,
                self.upload,
                self.album,
            )
        }

    def value_for(self, path: str, name: str) -> str | None:
        by_name = {
            "projectId": self.project.id,
            "photoId": self.photo.id,
            "photographerId": self.photographer.id,
            "discountId": self.discount.id,
            "sessionId": self.upload.id,
            "shareId": self.share.id,
            "selfieId": self.selfie.id,
            "purchaseId": self.purchase.id,
            "albumId": self.album.id,
        }
        if name in by_name:
            return str(by_name[name])
        if name == "token":
            return self.share_token
        if name == "partNumber":
            return "1"
        if name == "id":
            segment = re.search(r"/([\w-]+)/\{id\}", path)
            by_segment = {
                "projects": self.project.id,
                "photographers": self.photographer.id,
                "rules": self.rule.id,
                "discounts": self.discount.id,
                "promo-codes": self.promo.id,
                "purchases": self.purchase.id,
                "photos": self.photo.id,
            }
            if segment and segment.group(1) in by_segment:
                return str(by_segment[segment.group(1)])
        return None


WITH_IDS = [item for item in PROTECTED if "{" in item[2]]
LISTS = [item for item in PROTECTED if "{" not in item[2] and item[1] == "GET"]


@pytest.mark.parametrize(
    ("app_name", "method", "path", "route", "req"), WITH_IDS, ids=lambda v: v if isinstance(v, str) else ""
)
def test_another_tenants_resource_is_never_reachable(
    db: Session,
    clients_unbound: dict[str, FastAPI],
    app_name: str,
    method: str,
    path: str,
    route: APIRoute,
    req: AuthRequirement,
) -> None:
    other = OtherTenant(db)
    names = re.findall(r"\{(\w+)\}", path)
    values = {name: other.value_for(path, name) for name in names}
    unmapped = [n for n, v in values.items() if v is None]
    assert not unmapped, f"{method} {path}: no tenant-B resource mapped for {unmapped}; extend OtherTenant"
    token = account_token(db, req)
    client = client_for(clients_unbound[app_name], db)
    url = _fill(path, {k: v for k, v in values.items() if v})
    response = _call(client, method, url, bearer(token), VALID_BODIES.get((app_name, method, path)))
    assert response.status_code in (403, 404, 422), (
        f"{method} {path} → {response.status_code} {response.text}"
    )
    if response.status_code == 422:
        # A body-validation failure must not hide a missing tenancy check: retry is not possible
        # generically, so the error must at least carry no data of tenant B.
        pass
    for resource_id in other.ids():
        assert resource_id not in response.text


@pytest.mark.parametrize(
    ("app_name", "method", "path", "route", "req"), LISTS, ids=lambda v: v if isinstance(v, str) else ""
)
def test_lists_never_show_another_tenants_data(
    db: Session,
    clients_unbound: dict[str, FastAPI],
    app_name: str,
    method: str,
    path: str,
    route: APIRoute,
    req: AuthRequirement,
) -> None:
    other = OtherTenant(db)
    token = account_token(db, req)
    client = client_for(clients_unbound[app_name], db)
    response = client.get(path, headers=bearer(token))
    assert response.status_code < 500, response.text
    for resource_id in other.ids():
        assert resource_id not in response.text, f"GET {path} leaked tenant B's {resource_id}"
