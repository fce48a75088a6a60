"""The one S3 client factory (boto3): path-style addressing, SigV4, standard retries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from wairo_contracts.storage import S3Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def make_s3_client(
    settings: S3Settings,
    *,
    endpoint: str | None = None,
    max_pool_connections: int = 10,
    max_attempts: int = 3,
    connect_timeout: float = 5,
    read_timeout: float = 30,
) -> S3Client:
    """A client of ``settings`` (``endpoint`` overrides its endpoint, e.g. the public one for
    presigning); the timeouts, retries and pool size are each caller's own."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint or settings.endpoint or None,
        region_name=settings.region,
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        config=Config(
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            max_pool_connections=max_pool_connections,
            retries={"max_attempts": max_attempts, "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        ),
    )
