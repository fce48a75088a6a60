"""The operator's settings, read once from ``WAIRO_*`` environment variables.

The S3 settings are the same variables the API processes read (``WAIRO_S3_*``); the operator does
not import the ``api`` package. Operator-only settings carry the ``WAIRO_OPERATOR_`` prefix.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OperatorConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WAIRO_", extra="ignore", populate_by_name=True)

    # Object storage (shared with the APIs).
    s3_endpoint: str = "http://127.0.0.1:9000"
    s3_region: str = "us-east-1"
    s3_access_key: str = "wairo-dev"
    s3_secret_key: str = "wairo-dev"

    # Buckets: wairo-p-<projectId> unless the Project overrides it.
    operator_bucket_prefix: str = "wairo-p-"
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
