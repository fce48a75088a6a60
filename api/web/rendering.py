"""The pages' templates and their Content-Security-Policy.

Every page: scripts and styles from this origin only (no inline ones), images from this origin and
the storage's (thumbnails are presigned S3 URLs), fetches to this origin, the media API (the
selfie's upload URL) and the storage (the selfie's PUT). The modules read the media API's URL and
the page's paths from `<meta>` tags."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi import Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.core.links import CHECKOUT_PATH, JOIN_PATH, PHOTOS_PATH, SELFIE_PATH
from api.models import Project
from api.settings import get_settings
from api.web.assets import assets
from wairo_contracts.storage import origin_of

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def content_security_policy() -> str:
    settings = get_settings()
    storage, media = origin_of(settings.s3.signing_endpoint), origin_of(settings.media_base_url)
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' {storage}",
            f"connect-src 'self' {media} {storage}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def event_paths(project_id: uuid.UUID) -> dict[str, str]:
    """The event's pages (api/core/links.py), by the names the templates and modules use."""
    names = {"join": JOIN_PATH, "selfie": SELFIE_PATH, "photos": PHOTOS_PATH, "checkout": CHECKOUT_PATH}
    return {name: path.format(projectId=project_id) for name, path in names.items()}


def render(
    request: Request,
    template: str,
    *,
    title: str,
    project: Project | None = None,
    status_code: int = status.HTTP_200_OK,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "title": title,
        "project": project,
        "paths": event_paths(project.id) if project is not None else {},
        "media_api": get_settings().media_base_url.rstrip("/"),
        "asset": assets().url,
    }
    return templates.TemplateResponse(
        request,
        template,
        context,
        status_code=status_code,
        headers={"Content-Security-Policy": content_security_policy()},
    )


def not_found(request: Request) -> HTMLResponse:
    """The friendly page of an unknown, draft or archived event (HTTP 404)."""
    return render(request, "not_found.html", title="Event not found", status_code=status.HTTP_404_NOT_FOUND)
