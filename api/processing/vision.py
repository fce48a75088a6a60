"""The worker's side of the vision service: analyze stored objects, or say it is unavailable."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from api.settings import get_settings
from vision.client import VisionClient, VisionError
from vision.schemas import AnalyzeResult, FaceOut, MatchRequest, MatchResponse

T = TypeVar("T")


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


def _call(call: Callable[[VisionClient], T], timeout_s: float) -> T:
    url = get_settings().vision_url
    if not url:
        raise VisionUnavailable("the vision service is not configured (WAIRO_VISION_URL)")
    try:
        with VisionClient(url, timeout_s=timeout_s) as client:
            return call(client)
    except VisionError as exc:
        raise VisionUnavailable(str(exc)) from exc


def analyze(bucket: str, key: str) -> AnalyzeResult:
    return _call(lambda client: client.analyze([(bucket, key)])[0], timeout_s=60)


def match(request: MatchRequest) -> MatchResponse:
    """A project's whole re-match, computed by the vision service in one batched job."""
    return _call(lambda client: client.match(request), timeout_s=600)


def embedding_columns(face: FaceOut) -> dict[str, list[float] | None]:
    """The `embedding_128` / `embedding_512` values of a face (one of them set, by dimension)."""
    dim = len(face.embedding)
    if dim not in (128, 512):
        raise ValueError(f"unsupported embedding dimension {dim} ({face.model})")
    return {
        "embedding_128": face.embedding if dim == 128 else None,
        "embedding_512": face.embedding if dim == 512 else None,
    }
