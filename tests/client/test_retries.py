"""The tool's retry policy against httpx's MockTransport. The real stack cannot be made to answer
429 with a Retry-After or a 5xx on demand (the media API's upload-URL limit, 100 a minute per
photographer, answers 429 without Retry-After, which the policy meets with its backoff), so these
answers are scripted here; everything else of the tool runs on the real stack (test_upload_tool.py)."""

from __future__ import annotations

import httpx
import pytest

from wairo_client.api import ApiError, MediaApi, RetryPolicy, retry_after_s


def _scripted(*answers: httpx.Response | Exception) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    left = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = left.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handle), seen


def _api(transport: httpx.MockTransport, slept: list[float], attempts: int = 4) -> MediaApi:
    policy = RetryPolicy(attempts=attempts, base_s=1.0, cap_s=30.0, sleep=slept.append, jitter=lambda: 1.0)
    return MediaApi("http://media.test", "t", policy=policy, transport=transport)


def test_429_waits_its_retry_after_then_succeeds() -> None:
    transport, seen = _scripted(
        httpx.Response(
            429, headers={"Retry-After": "7"}, json={"error": {"code": "rate_limited", "message": ""}}
        ),
        httpx.Response(201, json={"photoId": "p"}),
    )
    slept: list[float] = []
    assert _api(transport, slept).json("POST", "/v1/photos/upload-url", json={}, expect=201) == {
        "photoId": "p"
    }
    assert slept == [7.0] and len(seen) == 2


def test_429_without_retry_after_and_5xx_back_off_exponentially() -> None:
    transport, seen = _scripted(
        httpx.Response(429), httpx.Response(503), httpx.Response(502), httpx.Response(200, json=[])
    )
    slept: list[float] = []
    assert _api(transport, slept).json("GET", "/v1/projects/x/albums") == []
    assert slept == [1.0, 2.0, 4.0]  # jitter pinned to its maximum
    assert len(seen) == 4


def test_network_errors_are_retried_then_raised() -> None:
    transport, seen = _scripted(*[httpx.ConnectError("refused")] * 3)
    slept: list[float] = []
    with pytest.raises(httpx.ConnectError):
        _api(transport, slept, attempts=3).call("GET", "/v1/photos/x")
    assert len(seen) == 3 and slept == [1.0, 2.0]


def test_client_errors_are_not_retried() -> None:
    body = {"error": {"code": "duplicate_photo", "message": "stored", "details": {"photoId": "p"}}}
    transport, seen = _scripted(httpx.Response(409, json=body))
    slept: list[float] = []
    with pytest.raises(ApiError) as raised:
        _api(transport, slept).call("POST", "/v1/photos/upload-url", json={}, expect=201)
    assert raised.value.code == "duplicate_photo" and raised.value.details == {"photoId": "p"}
    assert len(seen) == 1 and slept == []


def test_the_last_answer_is_returned_when_retries_run_out_and_waits_are_capped() -> None:
    transport, seen = _scripted(
        httpx.Response(429, headers={"Retry-After": "3600"}), httpx.Response(503, text="down")
    )
    slept: list[float] = []
    with pytest.raises(ApiError) as raised:
        _api(transport, slept, attempts=2).call("GET", "/v1/photos/x")
    assert raised.value.status == 503 and slept == [30.0] and len(seen) == 2


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_s(httpx.Response(429, headers={"Retry-After": "2"})) == 2.0
    assert retry_after_s(httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert retry_after_s(httpx.Response(429, headers={"Retry-After": "soon"})) is None
    assert retry_after_s(httpx.Response(429)) is None
