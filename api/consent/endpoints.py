"""Biometric consent routes (main API)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.consent import service
from api.consent.schemas import ConsentOut, ConsentTextOut, GiveConsent
from api.consent.text import BIOMETRIC
from api.deps import CurrentUser, SessionDep

router = APIRouter(prefix="/v1/consent", tags=["consent"])


@router.post("/biometric", status_code=status.HTTP_201_CREATED)
def give_biometric_consent(body: GiveConsent, user: CurrentUser, session: SessionDep) -> ConsentOut:
    return ConsentOut.model_validate(service.give_biometric_consent(session, user.id, body.consent_version))


@router.get("/biometric/current")
def get_biometric_consent_text() -> ConsentTextOut:
    """Public: the consent text to show before an attendee opts in, and its version."""
    return ConsentTextOut(version=BIOMETRIC.version, text=BIOMETRIC.text)


@router.get("")
def list_consents(user: CurrentUser, session: SessionDep) -> list[ConsentOut]:
    return [ConsentOut.model_validate(c) for c in service.list_consents(session, user.id)]


@router.delete("/biometric", status_code=status.HTTP_204_NO_CONTENT)
def revoke_biometric_consent(user: CurrentUser, session: SessionDep) -> Response:
    service.revoke_biometric_consent(session, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
