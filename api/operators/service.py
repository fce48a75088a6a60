"""The operator's own profile."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from api.core.errors import Unprocessable
from api.core.storage import presign_get
from api.models import Operator
from api.operators.schemas import AddressOut, OperatorOut, OperatorUpdate


def _profile_key(operator: Operator, file_url: str) -> str:
    """The storage key inside `fileUrl`: it must be under the operator's own prefix."""
    match = re.search(rf"(?:^|/)(operators/{operator.id}/[A-Za-z0-9._-]+)(?:\?.*)?$", file_url)
    if match is None:
        raise Unprocessable(
            f"profilePictureUrl must be a file under operators/{operator.id}/.", code="validation_error"
        )
    return match.group(1)


def profile(operator: Operator) -> OperatorOut:
    return OperatorOut(
        id=operator.id,
        name=operator.name,
        email=operator.email,
        phone=operator.phone,
        company_name=operator.company_name,
        address=AddressOut.model_validate(operator.address) if operator.address else None,
        billing_address=AddressOut.model_validate(operator.billing_address)
        if operator.billing_address
        else None,
        currency=operator.currency,
        locale=operator.locale,
        timezone=operator.timezone,
        profile_picture_url=presign_get(operator.profile_picture_key)
        if operator.profile_picture_key
        else None,
    )


def update(session: Session, operator: Operator, data: OperatorUpdate) -> OperatorOut:
    fields = data.changes()
    for field in ("address", "billing_address"):
        if field in fields:
            value = getattr(data, field)
            fields[field] = value.model_dump(by_alias=True, exclude_none=True) if value else None
    if "profile_picture_url" in fields:
        url = fields.pop("profile_picture_url")
        operator.profile_picture_key = _profile_key(operator, str(url)) if url else None
    for field, value in fields.items():
        setattr(operator, field, value)
    session.flush()
    return profile(operator)
