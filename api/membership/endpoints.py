"""Public project info, terms and QR join (main API)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from api.deps import CurrentUser, SessionDep
from api.membership import service
from api.membership.schemas import MyTermsOut, ProjectPublicOut, QrJoin, QrJoinOut, TermsOut
from api.models import TermsVersion

router = APIRouter(tags=["projects"])


def _terms_out(terms: TermsVersion) -> TermsOut:
    return TermsOut(version=str(terms.version), content=terms.content, effective_at=terms.effective_at)


@router.get("/v1/projects/{id}/public")
def get_public_project(id: uuid.UUID, session: SessionDep) -> ProjectPublicOut:
    return ProjectPublicOut.model_validate(service.visible_project(session, id))


@router.get("/v1/projects/{projectId}/terms")
def get_project_terms(projectId: uuid.UUID, session: SessionDep) -> TermsOut:
    service.visible_project(session, projectId)
    return _terms_out(service.current_terms(session, projectId))


@router.get("/v1/projects/{projectId}/my-terms")
def get_my_terms(projectId: uuid.UUID, user: CurrentUser, session: SessionDep) -> MyTermsOut:
    mine = service.my_terms(session, user.id, projectId)
    return MyTermsOut(
        **_terms_out(mine.terms).model_dump(), accepted_at=mine.accepted_at, project_name=mine.project_name
    )


@router.post("/v1/qr/join", status_code=status.HTTP_201_CREATED)
def join_by_qr(body: QrJoin, user: CurrentUser, session: SessionDep) -> QrJoinOut:
    joined = service.join_project(session, user, body.project_id, body.terms_version)
    return QrJoinOut(
        project_member_id=joined.member_id, qr_token=joined.qr_token, expires_at=joined.expires_at
    )
