"""Presigned GETs signed with hmac alone (api/core/presign.py) are the URLs boto3 makes, and the
real S3 server serves them."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from botocore.config import Config

from api.core.presign import GetSigner

NOW = datetime(2026, 11, 23, 13, 5, 9, tzinfo=UTC)


def _boto_url(signer: GetSigner, bucket: str, key: str, ttl_s: int, monkeypatch: pytest.MonkeyPatch) -> str:
    import botocore.auth

    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_, **__: NOW.replace(tzinfo=None))
    client = boto3.client(
        "s3",
        endpoint_url=signer.endpoint,
        region_name=signer.region,
        aws_access_key_id=signer.access_key,
        aws_secret_access_key=signer.secret_key,
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )
    url: str = client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=ttl_s
    )
    return url


@pytest.mark.parametrize(
    "endpoint",
    ["http://127.0.0.1:9000", "https://s3.eu-west-1.example.com", "https://storage.example.com:8443/s3"],
)
@pytest.mark.parametrize(
    "key",
    [
        "photos/5f0c/originals/IMG_0001.jpg",
        "photos/a b/Ünïcødé name (1)+x=y&z.jpg",
        "selfies/u/~tilde/semi;colon/percent%20.png",
    ],
)
def test_the_same_url_as_boto3(endpoint: str, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    signer = GetSigner(endpoint, "eu-west-1", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    ours = urlsplit(signer.url("wairo-media", key, 900, now=NOW))
    theirs = urlsplit(_boto_url(signer, "wairo-media", key, 900, monkeypatch))
    assert (ours.scheme, ours.netloc, ours.path) == (theirs.scheme, theirs.netloc, theirs.path)
    assert parse_qs(ours.query) == parse_qs(theirs.query)  # the signature included


def test_the_signature_depends_on_every_input() -> None:
    signer = GetSigner("http://127.0.0.1:9000", "us-east-1", "AK", "secret")
    base = signer.url("b", "k.jpg", 900, now=NOW)
    others = {
        signer.url("b", "k2.jpg", 900, now=NOW),
        signer.url("c", "k.jpg", 900, now=NOW),
        signer.url("b", "k.jpg", 60, now=NOW),
        GetSigner("http://127.0.0.1:9000", "us-east-1", "AK", "other").url("b", "k.jpg", 900, now=NOW),
    }
    signatures = {parse_qs(urlsplit(u).query)["X-Amz-Signature"][0] for u in others}
    assert parse_qs(urlsplit(base).query)["X-Amz-Signature"][0] not in signatures
    assert len(signatures) == 4


def test_the_storage_server_serves_a_presigned_get(infra: dict[str, str]) -> None:
    from api.core.storage import default_bucket, presign_get, s3

    s3().put_object(Bucket=default_bucket(), Key="presign-test/hello world.txt", Body=b"hello")
    try:
        response = httpx.get(presign_get("presign-test/hello world.txt", ttl_s=60), timeout=10)
        assert response.status_code == 200 and response.content == b"hello"
    finally:
        s3().delete_object(Bucket=default_bucket(), Key="presign-test/hello world.txt")
