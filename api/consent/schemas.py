from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from api.core.schemas import CamelModel, StrictCamelModel


class GiveConsent(StrictCamelModel):
    consent_version: str = Field(min_length=1, max_length=64)


class ConsentOut(CamelModel):
    id: uuid.UUID
    consent_type: str
    consent_version: str
    given_at: datetime
    revoked_at: datetime | None


class ConsentTextOut(CamelModel):
    version: str  # what `POST /v1/consent/biometric` takes as `consentVersion`
    text: str
