"""S3-compatible object storage: one client, presigned URLs only, bucket bootstrap."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from api.core.presign import Signer
from api.settings import get_settings
from wairo_contracts.s3client import make_s3_client
from wairo_contracts.storage import bucket_cors_configuration

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _client(endpoint: str) -> S3Client:
    return make_s3_client(
        get_settings().s3, endpoint=endpoint, max_attempts=2, connect_timeout=3, read_timeout=10
    )


@lru_cache
def s3() -> S3Client:
    """Client for server-side calls (HEAD, GET, DELETE, multipart bookkeeping)."""
    return _client(get_settings().s3.endpoint)


@lru_cache
def s3_presigner() -> S3Client:
    """Client whose presigned URLs carry the host clients reach (may differ from the in-cluster one)."""
    return _client(get_settings().s3.signing_endpoint)


def reset_clients() -> None:
    """Forget the cached clients and signer (after the storage settings changed)."""
    for cached in (s3, s3_presigner, get_signer):
        cached.cache_clear()


def default_bucket() -> str:
    return get_settings().s3.bucket


@lru_cache
def get_signer() -> Signer:
    """The signer of the URLs clients get (api/core/presign.py: the URLs boto3 makes, without its
    per-call cost)."""
    s3_settings = get_settings().s3
    return Signer(
        endpoint=s3_settings.signing_endpoint,
        region=s3_settings.region,
        access_key=s3_settings.access_key,
        secret_key=s3_settings.secret_key,
    )


def presign_get(key: str, bucket: str | None = None, ttl_s: int | None = None) -> str:
    return get_signer().get(bucket or default_bucket(), key, ttl_s or get_settings().download_url_ttl_s)


def presign_put(key: str, content_type: str, bucket: str | None = None, ttl_s: int | None = None) -> str:
    """A presigned PUT with the Content-Type bound into the signature."""
    ttl = ttl_s or get_settings().upload_url_ttl_s
    return get_signer().put(bucket or default_bucket(), key, content_type, ttl)


def ensure_bucket(bucket: str | None = None) -> None:
    """Create the bucket when absent, with CORS for browser PUTs from the allowed origins (idempotent)."""
    name = bucket or default_bucket()
    client = s3()
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if name not in existing:
        client.create_bucket(Bucket=name)
    cors = bucket_cors_configuration(get_settings().cors_origins)
    client.put_bucket_cors(Bucket=name, CORSConfiguration=cors)  # type: ignore[arg-type]


def check_storage() -> None:
    s3().head_bucket(Bucket=default_bucket())
