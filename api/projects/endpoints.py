"""Projects: CRUD, lifecycle, photographers, discount links and invites."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.core.links import join_link
from api.core.pagination import Paging, paging
from api.deps import CurrentOperator, CurrentStaff, SessionDep
from api.pricing.schemas import DiscountOut
from api.projects import service
from api.projects.qr import MEDIA_TYPES, QrFormat, qr_code
from api.projects.schemas import (
    BulkInvite,
    BulkInviteResult,
    DiscountLink,
    InviteOut,
    PhotographerAssignment,
    ProjectCreate,
    ProjectDetail,
    ProjectSummary,
    ProjectUpdate,
    RematchQueued,
    StatusChange,
)
from api.provisioning import ProvisionerDep

router = APIRouter(prefix="/v1/projects", tags=["projects"])
NO_CONTENT = status.HTTP_204_NO_CONTENT
# Path parameters are named as in the spec (`:id`, `:photographerId`, `:discountId`).
ProjectId = Annotated[uuid.UUID, Path(alias="id")]
PhotographerId = Annotated[uuid.UUID, Path(alias="photographerId")]
DiscountId = Annotated[uuid.UUID, Path(alias="discountId")]
InvitesPage = Annotated[Paging, paging(cap=500, default=100, cursor_length=200)]


@router.get("")
def list_projects(operator: CurrentOperator, session: SessionDep) -> list[ProjectSummary]:
    return service.list_for_operator(session, operator)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_project(
    body: ProjectCreate, operator: CurrentOperator, session: SessionDep, provisioner: ProvisionerDep
) -> ProjectDetail:
    return service.detail(session, service.create(session, operator, body, provisioner))


@router.get("/{id}")
def get_project(project_id: ProjectId, staff: CurrentStaff, session: SessionDep) -> ProjectDetail:
    """Operators see their own projects; photographers the projects they are assigned to."""
    return service.detail(session, service.get_for_staff(session, staff, project_id))


@router.get(
    "/{id}/qr",
    response_class=Response,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}, "description": "The QR code"}},
)
def get_project_qr(
    project_id: ProjectId,
    staff: CurrentStaff,
    session: SessionDep,
    format: QrFormat = "svg",
    scale: Annotated[int, Query(ge=1, le=40)] = 8,
) -> Response:
    """The project's join link (`/e/{projectId}` on the web app) as a QR code to print; staff who
    see the project (as `GET /v1/projects/{id}`)."""
    project = service.get_for_staff(session, staff, project_id)
    body = qr_code(join_link(project.id), format, scale)
    return Response(body, media_type=MEDIA_TYPES[format], headers={"Cache-Control": "private, max-age=3600"})


@router.patch("/{id}")
def update_project(
    project_id: ProjectId, body: ProjectUpdate, operator: CurrentOperator, session: SessionDep
) -> ProjectDetail:
    project = service.get_owned(session, operator, project_id, lock=True)
    return service.detail(session, service.update(session, project, body))


@router.patch("/{id}/status")
def change_project_status(
    project_id: ProjectId,
    body: StatusChange,
    operator: CurrentOperator,
    session: SessionDep,
    provisioner: ProvisionerDep,
) -> ProjectDetail:
    project = service.get_owned(session, operator, project_id, lock=True)
    return service.detail(session, service.change_status(session, project, body.status, provisioner))


@router.delete("/{id}", status_code=NO_CONTENT)
def delete_project(
    project_id: ProjectId, operator: CurrentOperator, session: SessionDep, provisioner: ProvisionerDep
) -> None:
    service.delete_project(session, service.get_owned(session, operator, project_id, lock=True), provisioner)


@router.post("/{id}:rematch", status_code=status.HTTP_202_ACCEPTED)
def rematch_project(project_id: ProjectId, operator: CurrentOperator, session: SessionDep) -> RematchQueued:
    """Re-match every member's selfie against every face of the project as one batched job."""
    project = service.get_owned(session, operator, project_id)
    service.queue_rematch(session, project)
    return RematchQueued(project_id=project.id)


@router.post("/{id}/photographers", status_code=NO_CONTENT)
def assign_photographer(
    project_id: ProjectId, body: PhotographerAssignment, operator: CurrentOperator, session: SessionDep
) -> None:
    service.assign_photographer(
        session, service.get_owned(session, operator, project_id), body.photographer_id
    )


@router.delete("/{id}/photographers/{photographerId}", status_code=NO_CONTENT)
def remove_photographer(
    project_id: ProjectId, photographer_id: PhotographerId, operator: CurrentOperator, session: SessionDep
) -> None:
    service.remove_photographer(session, service.get_owned(session, operator, project_id), photographer_id)


@router.get("/{id}/discounts")
def list_project_discounts(
    project_id: ProjectId, operator: CurrentOperator, session: SessionDep
) -> list[DiscountOut]:
    project = service.get_owned(session, operator, project_id)
    return [DiscountOut.model_validate(d) for d in service.linked_discounts(session, project)]


@router.post("/{id}/discounts", status_code=NO_CONTENT)
def link_project_discount(
    project_id: ProjectId, body: DiscountLink, operator: CurrentOperator, session: SessionDep
) -> None:
    service.link_discount(session, service.get_owned(session, operator, project_id), body.discount_id)


@router.delete("/{id}/discounts/{discountId}", status_code=NO_CONTENT)
def unlink_project_discount(
    project_id: ProjectId, discount_id: DiscountId, operator: CurrentOperator, session: SessionDep
) -> None:
    service.unlink_discount(session, service.get_owned(session, operator, project_id), discount_id)


@router.get("/{id}/invites")
def list_project_invites(
    project_id: ProjectId,
    operator: CurrentOperator,
    session: SessionDep,
    page: InvitesPage,
) -> list[InviteOut]:
    """Newest first; when more remain, the next page's cursor is in the `X-Next-Cursor` header."""
    project = service.get_owned(session, operator, project_id)
    return page.respond(service.list_invites(session, project, page.limit, page.cursor))


@router.post("/{id}/invites/bulk", status_code=status.HTTP_202_ACCEPTED)
def bulk_invite(
    project_id: ProjectId, body: BulkInvite, operator: CurrentOperator, session: SessionDep
) -> BulkInviteResult:
    # The row lock serialises concurrent bulk invites of one project (no duplicate live invites).
    return service.bulk_invite(session, service.get_owned(session, operator, project_id, lock=True), body)
