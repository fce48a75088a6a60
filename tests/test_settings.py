"""Settings refuse the clearly-marked development secrets outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.settings import DEV_JWT_SECRET, Settings


def test_production_refuses_placeholder_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAIRO_ENV", "production")
    with pytest.raises(ValidationError, match="WAIRO_JWT_SECRET"):
        Settings()


def test_production_accepts_real_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAIRO_ENV", "production")
    monkeypatch.setenv("WAIRO_JWT_SECRET", "x" * 40)
    monkeypatch.setenv("WAIRO_STRIPE_WEBHOOK_SECRET", "whsec_" + "y" * 30)
    monkeypatch.setenv("WAIRO_STORAGE_EVENTS_SECRET", "z" * 32)
    settings = Settings()
    assert settings.jwt_secret != DEV_JWT_SECRET


def test_development_defaults_work_without_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAIRO_ENV", "development")
    assert Settings().jwt_secret == DEV_JWT_SECRET
