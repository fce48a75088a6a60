"""S3-compatible object storage: the connection every process reads from ``WAIRO_S3_*``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic_settings import BaseSettings, SettingsConfigDict

# A clearly-marked development default (moto server in the embedded stack); refused in production
# by the API's settings.
DEV_S3_KEY = "wairo-dev"


class S3Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WAIRO_S3_", extra="ignore")

    endpoint: str = "http://127.0.0.1:9000"
    # The host clients reach for presigned URLs, when it differs from `endpoint` (in-cluster).
    public_endpoint: str = ""
    region: str = "us-east-1"
    access_key: str = DEV_S3_KEY
    secret_key: str = DEV_S3_KEY
    # The platform bucket: projects without a bucket of their own, selfies, retained copies.
    bucket: str = "wairo-media"
    # A project's own bucket (in a cluster) is <prefix><projectId>: the backoffice names it in the
    # Project CR, the operator creates it. Bucket names are global on some providers: set a prefix
    # of your own there.
    project_bucket_prefix: str = "wairo-p-"

    def project_bucket(self, project_id: str) -> str:
        return f"{self.project_bucket_prefix}{project_id}"

    @property
    def signing_endpoint(self) -> str:
        return self.public_endpoint or self.endpoint


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL (what browsers compare for CORS and CSP)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def bucket_cors_configuration(origins: list[str]) -> dict[str, Any]:
    """A bucket's CORS rules (boto3's shape): browsers of these origins PUT to presigned upload URLs
    and GET presigned downloads (every origin when none is given). Set by whoever creates a bucket:
    the API's local provisioning, the operator, the embedded stack."""
    return {
        "CORSRules": [
            {
                "ID": "wairo-browser-uploads",
                "AllowedOrigins": list(origins) or ["*"],
                "AllowedMethods": ["GET", "HEAD", "PUT"],
                "AllowedHeaders": ["*"],
                "ExposeHeaders": ["ETag"],
                "MaxAgeSeconds": 3000,
            }
        ]
    }
