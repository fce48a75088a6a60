"""A photographer of a committed tenant logged in with the `wairo` tool on the live APIs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.client.tool import Wairo, tenant_with_login
from tests.factories import Tenant


@pytest.fixture
def tenant(committed: Session) -> Tenant:
    return tenant_with_login(committed)


@pytest.fixture
def wairo(tenant: Tenant, live_media_api: str, live_backoffice_api: str, tmp_path: Path) -> Wairo:
    tool = Wairo(config_dir=tmp_path / "config", cwd=tmp_path)
    tool.login(tenant, live_backoffice_api, live_media_api)
    return tool
