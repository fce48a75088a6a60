"""The authenticated operator's profile."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentOperator, SessionDep
from api.operators import service
from api.operators.schemas import OperatorOut, OperatorUpdate

router = APIRouter(prefix="/v1/operators", tags=["operators"])


@router.get("/me")
def get_operator_profile(operator: CurrentOperator) -> OperatorOut:
    return service.profile(operator)


@router.patch("/me")
def update_operator_profile(
    body: OperatorUpdate, operator: CurrentOperator, session: SessionDep
) -> OperatorOut:
    return service.update(session, operator, body)
