"""S3 access of the replicas (clients are thread-safe and shared by the I/O pool)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wairo_contracts.s3client import make_s3_client
from wairo_contracts.storage import S3Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def replica_s3_client(settings: S3Settings, io_threads: int) -> S3Client:
    return make_s3_client(settings, max_pool_connections=io_threads * 2)


def read_object(client: S3Client, bucket: str, key: str) -> bytes:
    response = client.get_object(Bucket=bucket, Key=key)
    body: bytes = response["Body"].read()
    return body
