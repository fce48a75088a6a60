"""The links Wairo hands people (emails, API responses, QR codes): one place for the web pages'
paths, all under `WAIRO_WEB_BASE_URL` (the main API's public URL, which serves the pages)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from api.settings import get_settings

JOIN_PATH = "/e/{projectId}"
# The event's pages after joining (api/web): consent and selfie, the photos, checkout.
SELFIE_PATH = "/e/{projectId}/selfie"
PHOTOS_PATH = "/e/{projectId}/photos"
CHECKOUT_PATH = "/e/{projectId}/checkout"
SHARE_PATH = "/s/{token}"
RESET_PASSWORD_PATH = "/reset-password"


def web_url(path: str, **query: str) -> str:
    base = get_settings().web_base_url.rstrip("/")
    return f"{base}{path}" + (f"?{urlencode(query)}" if query else "")


def join_link(project_id: uuid.UUID, invite_token: str | None = None) -> str:
    """The event's join page (the QR code's content); with an invite's one-time token."""
    path = JOIN_PATH.format(projectId=project_id)
    return web_url(path, invite=invite_token) if invite_token else web_url(path)


def share_link(token: str) -> str:
    return web_url(SHARE_PATH.format(token=token))


def reset_password_link(token: str) -> str:
    return web_url(RESET_PASSWORD_PATH, token=token)
