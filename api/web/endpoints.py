"""The attendee pages (main API, not in the OpenAPI document): join, consent and selfie, photos,
the checkout placeholder, and the static files they load."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import HTMLResponse

from api.core.links import CHECKOUT_PATH, JOIN_PATH, PHOTOS_PATH, SELFIE_PATH
from api.deps import SessionDep
from api.models import Project
from api.web import service
from api.web.assets import IMMUTABLE, STATIC_PREFIX, assets
from api.web.rendering import not_found, render

router = APIRouter(include_in_schema=False)


def _event_page(request: Request, project: Project | None, template: str, title: str) -> HTMLResponse:
    """The event's page, or the friendly not-found page for an event attendees cannot open."""
    if project is None:
        return not_found(request)
    return render(request, template, title=title, project=project)


@router.get(JOIN_PATH, response_class=HTMLResponse)
def join_page(projectId: str, request: Request, session: SessionDep) -> HTMLResponse:
    project = service.event_for_page(session, projectId)
    if project is not None and not service.accepts_members(project):
        return render(request, "closed.html", title=project.name, project=project)
    return _event_page(request, project, "join.html", f"Join {project.name}" if project else "")


@router.get(SELFIE_PATH, response_class=HTMLResponse)
def selfie_page(projectId: str, request: Request, session: SessionDep) -> HTMLResponse:
    return _event_page(
        request, service.event_for_page(session, projectId), "selfie.html", "Find photos of you"
    )


@router.get(PHOTOS_PATH, response_class=HTMLResponse)
def photos_page(projectId: str, request: Request, session: SessionDep) -> HTMLResponse:
    project = service.event_for_page(session, projectId)
    return _event_page(request, project, "photos.html", f"Photos of {project.name}" if project else "")


@router.get(CHECKOUT_PATH, response_class=HTMLResponse)
def checkout_page(projectId: str, request: Request, session: SessionDep) -> HTMLResponse:
    """A placeholder until the checkout slice: it says so and links back to the photos."""
    return _event_page(request, service.event_for_page(session, projectId), "checkout.html", "Buying photos")


@router.get(STATIC_PREFIX + "/{digest}/{name}")
def static_file(digest: str, name: str) -> Response:
    current = assets()
    asset = current.files.get(name)
    if asset is None:
        return Response(status_code=status.HTTP_404_NOT_FOUND)
    cache = IMMUTABLE if digest == current.digest else "no-cache"
    return Response(asset.body, media_type=asset.media_type, headers={"Cache-Control": cache})
