"""A photographer of a committed tenant logged in with the `wairo` tool on the live APIs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from api.core.security import hash_password
from api.models import Photographer
from tests.client.tool import Wairo
from tests.factories import Factory, Tenant

PASSWORD = "shoot-the-first-dance"


@pytest.fixture
def tenant(committed: Session) -> Tenant:
    t = Factory(committed).tenant()
    committed.execute(
        update(Photographer)
        .where(Photographer.id == t.photographer.id)
        .values(password_hash=hash_password(PASSWORD))
    )
    committed.commit()
    return t


@pytest.fixture
def wairo(tenant: Tenant, live_media_api: str, live_backoffice_api: str, tmp_path: Path) -> Wairo:
    tool = Wairo(config_dir=tmp_path / "config", cwd=tmp_path)
    login = tool.run(
        "login",
        "--api",
        live_backoffice_api,
        "--media-api",
        live_media_api,
        "--email",
        tenant.photographer.email,
        WAIRO_PASSWORD=PASSWORD,
    )
    assert login.returncode == 0, login.stdout + login.stderr
    assert "photographer" in login.stdout
    return tool
