"""Per-item failures are classified so the worker can tell a bad image (final) from a storage
outage on the service's side (retried)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from api.processing.vision_client import NotAnImage, ObjectMissing, VisionUnavailable, check_item
from vision.batching import item_error, split_ok
from vision.errors import error_kind
from vision.imaging import ImageDecodeError, decode_image
from wairo_contracts.vision import AnalyzeResult


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "GetObject")


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (ImageDecodeError("cannot decode image"), "decode"),
        (_client_error("NoSuchKey"), "missing"),
        (_client_error("NoSuchBucket"), "missing"),
        (_client_error("SlowDown"), "storage"),
        (_client_error("InternalError"), "storage"),
        (EndpointConnectionError(endpoint_url="http://s3"), "storage"),
        (RuntimeError("dlib exploded"), "internal"),
    ],
)
def test_error_kinds(exc: Exception, kind: str) -> None:
    assert error_kind(exc) == kind
    assert item_error(exc).category == kind


def test_a_decode_failure_is_classified_where_it_happens() -> None:
    with pytest.raises(ImageDecodeError) as info:
        decode_image(b"not an image at all")
    _, _, errors = split_ok([1, info.value])
    assert errors[1].kind == "ImageDecodeError" and errors[1].category == "decode"


def _result(kind: str | None) -> AnalyzeResult:
    return AnalyzeResult(bucket="b", key="k", error=None if kind is None else f"{kind}!", error_kind=kind)


def test_the_worker_retries_what_may_pass_and_fails_what_cannot() -> None:
    check_item(_result(None))  # no error: nothing raised
    with pytest.raises(NotAnImage):
        check_item(_result("decode"))
    with pytest.raises(ObjectMissing):
        check_item(_result("missing"))
    for transient in ("storage", "internal"):
        with pytest.raises(VisionUnavailable):  # the photo stays `processing` and the job retries
            check_item(_result(transient))
    legacy = AnalyzeResult(bucket="b", key="k", error="something")  # a service too old to classify
    with pytest.raises(NotAnImage):
        check_item(legacy)
