"""Presigned GETs and PUTs signed with hmac alone (api/core/presign.py) are the URLs boto3 makes,
the real S3 server serves them, and a PUT's signature holds only for the Content-Type it binds."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore.auth
import httpx
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from api.core.presign import Signer

NOW = datetime(2026, 11, 23, 13, 5, 9, tzinfo=UTC)
REGION, ACCESS_KEY, SECRET_KEY = "eu-west-1", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ENDPOINTS = [
    "http://127.0.0.1:9000",
    "https://s3.eu-west-1.example.com",
    "https://storage.example.com:8443/s3",
]
KEYS = [
    "photos/5f0c/originals/IMG_0001.jpg",
    "photos/a b/Ünïcødé name (1)+x=y&z.jpg",
    "selfies/u/~tilde/semi;colon/percent%20.png",
]


def _boto_url(
    signer: Signer, operation: str, params: dict[str, Any], ttl_s: int, monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_, **__: NOW.replace(tzinfo=None))
    client = boto3.client(
        "s3",
        endpoint_url=signer.endpoint,
        region_name=signer.region,
        aws_access_key_id=signer.access_key,
        aws_secret_access_key=signer.secret_key,
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )
    url: str = client.generate_presigned_url(operation, Params=params, ExpiresIn=ttl_s)
    return url


def _assert_same_url(ours: str, theirs: str) -> None:
    a, b = urlsplit(ours), urlsplit(theirs)
    assert (a.scheme, a.netloc, a.path) == (b.scheme, b.netloc, b.path)
    assert parse_qs(a.query) == parse_qs(b.query)  # the signature included


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("key", KEYS)
def test_the_same_get_url_as_boto3(endpoint: str, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    signer = Signer(endpoint, REGION, ACCESS_KEY, SECRET_KEY)
    theirs = _boto_url(signer, "get_object", {"Bucket": "wairo-media", "Key": key}, 900, monkeypatch)
    _assert_same_url(signer.get("wairo-media", key, 900, now=NOW), theirs)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png", "image/webp", "image/heic"])
def test_the_same_put_url_as_boto3(
    endpoint: str, key: str, content_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = Signer(endpoint, REGION, ACCESS_KEY, SECRET_KEY)
    params = {"Bucket": "wairo-media", "Key": key, "ContentType": content_type}
    theirs = _boto_url(signer, "put_object", params, 600, monkeypatch)
    ours = signer.put("wairo-media", key, content_type, 600, now=NOW)
    _assert_same_url(ours, theirs)
    assert parse_qs(urlsplit(ours).query)["X-Amz-SignedHeaders"] == ["content-type;host"]


def test_the_signature_depends_on_every_input() -> None:
    signer = Signer("http://127.0.0.1:9000", "us-east-1", "AK", "secret")
    base = signer.get("b", "k.jpg", 900, now=NOW)
    others = {
        signer.get("b", "k2.jpg", 900, now=NOW),
        signer.get("c", "k.jpg", 900, now=NOW),
        signer.get("b", "k.jpg", 60, now=NOW),
        signer.get("b", "k.jpg", 900, now=NOW + timedelta(days=1)),
        Signer("http://127.0.0.1:9000", "us-east-1", "AK", "other").get("b", "k.jpg", 900, now=NOW),
        signer.put("b", "k.jpg", "image/jpeg", 900, now=NOW),
        signer.put("b", "k.jpg", "image/png", 900, now=NOW),
    }
    signatures = {parse_qs(urlsplit(u).query)["X-Amz-Signature"][0] for u in others}
    assert parse_qs(urlsplit(base).query)["X-Amz-Signature"][0] not in signatures
    assert len(signatures) == len(others)


def _storage_accepts(url: str, request: httpx.Request) -> bool:
    """What S3 checks of a query-signed request: the signature recomputed (by botocore) from the
    request as sent, with the headers the URL says are signed. The moto server does not check
    signatures, so the refusal of another Content-Type is shown here."""
    query = parse_qs(urlsplit(url).query)
    signed = set(query["X-Amz-SignedHeaders"][0].split(";"))
    aws = AWSRequest(
        method=request.method,
        url=url.rsplit("&X-Amz-Signature=", 1)[0],
        headers={k: v for k, v in request.headers.items() if k.lower() in signed},
    )
    aws.context["timestamp"] = query["X-Amz-Date"][0]
    auth = botocore.auth.S3SigV4QueryAuth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION)
    expected = auth.signature(auth.string_to_sign(aws, auth.canonical_request(aws)), aws)
    return hmac.compare_digest(expected, query["X-Amz-Signature"][0])


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_presigned_put_holds_only_for_its_content_type(endpoint: str) -> None:
    url = Signer(endpoint, REGION, ACCESS_KEY, SECRET_KEY).put("b", KEYS[1], "image/png", 600)
    as_signed = httpx.Request("PUT", url, content=b"x", headers={"Content-Type": "image/png"})
    assert _storage_accepts(url, as_signed)
    for other in ("image/jpeg", "image/png; charset=x"):
        assert not _storage_accepts(
            url, httpx.Request("PUT", url, content=b"x", headers={"Content-Type": other})
        )
    assert not _storage_accepts(url, httpx.Request("PUT", url, content=b"x"))


def test_the_storage_server_serves_a_presigned_get(infra: dict[str, str]) -> None:
    from api.core.storage import default_bucket, presign_get, s3

    s3().put_object(Bucket=default_bucket(), Key="presign-test/hello world.txt", Body=b"hello")
    try:
        response = httpx.get(presign_get("presign-test/hello world.txt", ttl_s=60), timeout=10)
        assert response.status_code == 200 and response.content == b"hello"
    finally:
        s3().delete_object(Bucket=default_bucket(), Key="presign-test/hello world.txt")


def test_the_storage_server_takes_a_presigned_put(infra: dict[str, str]) -> None:
    from api.core.storage import default_bucket, presign_put, s3

    key = "presign-test/put me (1).png"
    try:
        url = presign_put(key, "image/png", ttl_s=60)
        response = httpx.put(url, content=b"\x89PNG", headers={"Content-Type": "image/png"}, timeout=10)
        assert response.status_code == 200, response.text
        head = s3().head_object(Bucket=default_bucket(), Key=key)
        assert head["ContentType"] == "image/png" and head["ContentLength"] == 4
    finally:
        s3().delete_object(Bucket=default_bucket(), Key=key)
