"""Operator analytics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.analytics import service
from api.analytics.schemas import Analytics
from api.deps import CurrentOperator, SessionDep

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])
_IDS = "Comma-separated UUIDs; ids of another operator match nothing."


@router.get("")
def get_analytics(
    operator: CurrentOperator,
    session: SessionDep,
    project_ids: Annotated[str | None, Query(alias="projectIds", max_length=20_000, description=_IDS)] = None,
    photographer_ids: Annotated[
        str | None, Query(alias="photographerIds", max_length=20_000, description=_IDS)
    ] = None,
) -> Analytics:
    return service.compute(
        session,
        operator,
        service.parse_ids(project_ids, "projectIds"),
        service.parse_ids(photographer_ids, "photographerIds"),
    )
