"""S3 access of the replicas (boto3; clients are thread-safe and shared by the I/O pool)."""

from __future__ import annotations

from typing import Any

from vision.config import S3Settings


def make_s3_client(settings: S3Settings, max_pool_connections: int = 32) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.endpoint or None,
        region_name=settings.region,
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        config=Config(
            max_pool_connections=max_pool_connections,
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path"},
        ),
    )


def read_object(client: Any, bucket: str, key: str) -> bytes:
    response = client.get_object(Bucket=bucket, Key=key)
    body: bytes = response["Body"].read()
    return body
