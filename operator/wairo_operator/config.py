"""The operator's settings, read once from ``WAIRO_*`` environment variables.

Storage is the platform's (``WAIRO_S3_*``, `wairo_contracts.storage.S3Settings`); operator-only
settings carry the ``WAIRO_OPERATOR_`` prefix.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from wairo_contracts.storage import S3Settings


class OperatorConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WAIRO_", extra="ignore", populate_by_name=True)

    # Object storage (shared with the APIs); buckets are named by its project_bucket_prefix unless
    # the Project names one.
    s3: S3Settings = Field(default_factory=S3Settings)

    # Origins allowed to PUT to presigned URLs from a browser (comma separated in the env var).
    operator_cors_origins: str = "*"
    # Incomplete multipart uploads older than this are aborted by a lifecycle rule.
    operator_abort_multipart_days: int = Field(default=1, ge=1)

    # Dedicated workers (processing.dedicatedWorkers > 0).
    operator_worker_image: str = "ghcr.io/wairo/api:latest"
    operator_worker_service_account: str = ""
    # A Secret in the operator's namespace mirrored into project namespaces as `wairo-worker-env`
    # (the worker's WAIRO_* environment). Empty: not mirrored.
    operator_worker_env_secret: str = ""
    operator_namespace: str = "wairo"

    # Usage timer (status.usage) period in seconds.
    operator_usage_interval_s: float = Field(default=300.0, gt=0)

    @property
    def cors_origins(self) -> list[str]:
        return [origin.strip() for origin in self.operator_cors_origins.split(",") if origin.strip()]
