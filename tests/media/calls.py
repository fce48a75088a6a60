"""Calls to the media API shared by the media tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.http import bearer


def upload_url(media: TestClient, token: str, project_id: Any, **extra: Any) -> Any:
    """Ask for a photo's presigned upload URL (the response, whatever its status)."""
    return media.post(
        "/v1/photos/upload-url", json={"projectId": str(project_id), **extra}, headers=bearer(token)
    )
