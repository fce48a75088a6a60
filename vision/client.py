"""A small typed synchronous client of the vision service (used by the API's Celery worker)."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType

import httpx

from vision.schemas import (
    MAX_ITEMS_PER_REQUEST,
    AnalyzeRequest,
    AnalyzeResponse,
    AnalyzeResult,
    MatchRequest,
    MatchResponse,
    ObjectRef,
    VersionInfo,
)


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
