"""The worker's client of the vision service: a small typed synchronous HTTP client, and the calls
the pipeline makes (analyze stored objects, re-match a project), which say when the service is
unavailable (retry) or an item failed for good."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from types import TracebackType
from typing import TypeVar

import httpx

from api.settings import get_settings
from wairo_contracts.faces import FACE_MODELS
from wairo_contracts.vision import (
    MAX_ITEMS_PER_REQUEST,
    AnalyzeRequest,
    AnalyzeResponse,
    AnalyzeResult,
    FaceOut,
    MatchRequest,
    MatchResponse,
    ObjectRef,
    VersionInfo,
)

T = TypeVar("T")


class VisionError(RuntimeError):
    """The vision service failed as a whole (transport error or non-2xx)."""


class VisionClient:
    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        timeout_s: float = 120.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s, transport=transport)

    def analyze(self, items: Iterable[ObjectRef | tuple[str, str]]) -> list[AnalyzeResult]:
        """Faces of each S3 object, in the order given; a per-item failure is in ``result.error``.
        Lists longer than one request allows are sent in several requests."""
        refs = [i if isinstance(i, ObjectRef) else ObjectRef(bucket=i[0], key=i[1]) for i in items]
        results: list[AnalyzeResult] = []
        for start in range(0, len(refs), MAX_ITEMS_PER_REQUEST):
            body = AnalyzeRequest(items=refs[start : start + MAX_ITEMS_PER_REQUEST])
            data = self._request("POST", "/v1/analyze", json=body.model_dump())
            results.extend(AnalyzeResponse.model_validate(data).results)
        return results

    def match(self, request: MatchRequest) -> MatchResponse:
        """Re-match users against faces in one batched job (see :class:`MatchRequest`)."""
        data = self._request("POST", "/v1/match", json=request.model_dump())
        return MatchResponse.model_validate(data)

    def health(self) -> bool:
        try:
            return self._http.get("/healthz").status_code == 200
        except httpx.HTTPError:
            return False

    def version(self) -> VersionInfo:
        return VersionInfo.model_validate(self._request("GET", "/version"))

    def _request(self, method: str, path: str, json: object | None = None) -> object:
        try:
            resp = self._http.request(method, path, json=json)
        except httpx.HTTPError as exc:
            raise VisionError(f"vision service unreachable at {self.base_url}: {exc}") from exc
        if resp.status_code >= 400:
            raise VisionError(f"vision service answered {resp.status_code}: {resp.text[:500]}")
        return resp.json()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> VisionClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class VisionUnavailable(RuntimeError):
    """Not configured or not reachable: the job keeps its item in `processing` and retries."""


class ObjectMissing(LookupError):
    """The vision service found no such object (final: the upload is gone)."""


class NotAnImage(ValueError):
    """The vision service could not decode the object (final)."""


def check_item(result: AnalyzeResult) -> None:
    """Raise for an item the service could not analyse: final failures (not an image, missing)
    as such; storage or analyzer failures on its side as VisionUnavailable, to be retried."""
    if result.error is None:
        return
    if result.error_kind == "missing":
        raise ObjectMissing(result.error)
    if result.error_kind in ("storage", "internal"):
        raise VisionUnavailable(f"the vision service failed on {result.key}: {result.error}")
    raise NotAnImage(result.error)  # "decode", or a service too old to say


@lru_cache(maxsize=4)
def client_for(url: str, timeout_s: float) -> VisionClient:
    """One client per service URL and timeout in a process (httpx clients are thread-safe): its
    connections are kept alive and its TLS context is built once, not once per photo. Made on
    first use, so each Celery pool process makes its own after the fork."""
    return VisionClient(url, timeout_s=timeout_s)


def _call(call: Callable[[VisionClient], T], timeout_s: float) -> T:
    url = get_settings().vision_url
    if not url:
        raise VisionUnavailable("the vision service is not configured (WAIRO_VISION_URL)")
    try:
        return call(client_for(url, timeout_s))
    except VisionError as exc:
        raise VisionUnavailable(str(exc)) from exc


def analyze(bucket: str, key: str) -> AnalyzeResult:
    return _call(lambda client: client.analyze([(bucket, key)])[0], timeout_s=60)


def match(request: MatchRequest) -> MatchResponse:
    """A project's whole re-match, computed by the vision service in one batched job."""
    return _call(lambda client: client.match(request), timeout_s=600)


EMBEDDING_DIMENSIONS = sorted({model.dimension for model in FACE_MODELS.values()})


def embedding_columns(face: FaceOut) -> dict[str, list[float] | None]:
    """The `embedding_<dimension>` values of a face (the one of its dimension set)."""
    dim = len(face.embedding)
    if dim not in EMBEDDING_DIMENSIONS:
        raise ValueError(f"unsupported embedding dimension {dim} ({face.model})")
    return {f"embedding_{d}": face.embedding if dim == d else None for d in EMBEDDING_DIMENSIONS}
