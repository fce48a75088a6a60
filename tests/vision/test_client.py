import json

import httpx
import pytest

from api.processing.vision_client import VisionClient, VisionError
from wairo_contracts.vision import MAX_ITEMS_PER_REQUEST, ObjectRef


def handler(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/healthz":
        return httpx.Response(200, json={"status": "ok"})
    if request.url.path == "/version":
        return httpx.Response(
            200,
            json={
                "version": "1",
                "backend": "dlib",
                "model": "dlib-resnet-128",
                "embedding_dim": 128,
                "threshold": 0.07,
                "margin": 0.02,
            },
        )
    body = json.loads(request.content)
    results = []
    for item in body["items"]:
        if item["key"] == "missing":
            results.append({"bucket": item["bucket"], "key": item["key"], "error": "NoSuchKey: gone"})
        else:
            results.append(
                {"bucket": item["bucket"], "key": item["key"], "width": 4, "height": 3, "faces": []}
            )
    return httpx.Response(200, json={"results": results})


def test_analyze_splits_long_lists_and_keeps_order():
    calls: list[int] = []

    def counting(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/analyze":
            calls.append(len(json.loads(request.content)["items"]))
        return handler(request)

    client = VisionClient("http://vision", transport=httpx.MockTransport(counting))
    items = [("b", f"k{i}") for i in range(MAX_ITEMS_PER_REQUEST + 5)] + [
        ObjectRef(bucket="b", key="missing")
    ]
    results = client.analyze(items)
    assert calls == [MAX_ITEMS_PER_REQUEST, 6]
    assert [r.key for r in results] == [f"k{i}" for i in range(MAX_ITEMS_PER_REQUEST + 5)] + ["missing"]
    assert results[0].ok and results[0].width == 4
    assert not results[-1].ok and "NoSuchKey" in (results[-1].error or "")


def test_health_and_version():
    with VisionClient("http://vision/", transport=httpx.MockTransport(handler)) as client:
        assert client.health()
        v = client.version()
        assert (v.backend, v.model, v.embedding_dim) == ("dlib", "dlib-resnet-128", 128)


def test_errors_are_raised_as_vision_errors():
    client = VisionClient(
        "http://vision", transport=httpx.MockTransport(lambda r: httpx.Response(500, text="boom"))
    )
    with pytest.raises(VisionError, match="500"):
        client.analyze([("b", "k")])

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    client = VisionClient("http://vision", transport=httpx.MockTransport(down))
    assert client.health() is False
    with pytest.raises(VisionError, match="unreachable"):
        client.version()


def test_one_client_per_service_url_in_a_process():
    from api.processing.vision_client import client_for

    client_for.cache_clear()
    first = client_for("http://127.0.0.1:9/", 60)
    assert client_for("http://127.0.0.1:9/", 60) is first
    assert client_for("http://127.0.0.1:10/", 60) is not first
    assert client_for("http://127.0.0.1:9/", 600) is not first  # the re-match's longer timeout
    client_for.cache_clear()
