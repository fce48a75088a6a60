"""Photographers: their own assigned projects, and the operator's management of them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, status

from api.deps import CurrentOperator, CurrentPhotographer, SessionDep
from api.photographers import service
from api.photographers.schemas import PhotographerOut, PhotographerUpdate
from api.projects import service as projects
from api.projects.schemas import ProjectDetail, ProjectSummary

router = APIRouter(prefix="/v1/photographers", tags=["photographers"])


@router.get("/me/projects")
def list_my_projects(photographer: CurrentPhotographer, session: SessionDep) -> list[ProjectSummary]:
    return projects.list_for_photographer(session, photographer)


@router.get("/me/projects/{id}")
def get_my_project(
    project_id: Annotated[uuid.UUID, Path(alias="id")], photographer: CurrentPhotographer, session: SessionDep
) -> ProjectDetail:
    return projects.detail(session, projects.get_assigned(session, photographer, project_id))


@router.get("")
def list_photographers(operator: CurrentOperator, session: SessionDep) -> list[PhotographerOut]:
    return service.list_photographers(session, operator)


@router.patch("/{id}")
def update_photographer(
    photographer_id: Annotated[uuid.UUID, Path(alias="id")],
    body: PhotographerUpdate,
    operator: CurrentOperator,
    session: SessionDep,
) -> PhotographerOut:
    return service.update(session, operator, photographer_id, body)


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_photographer(
    photographer_id: Annotated[uuid.UUID, Path(alias="id")], operator: CurrentOperator, session: SessionDep
) -> None:
    service.delete(session, operator, photographer_id)
