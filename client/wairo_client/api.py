"""HTTP calls to the backoffice and media APIs and to storage's presigned URLs, with retries:
network errors and 5xx answers are retried with exponential backoff and full jitter, a 429 after
its `Retry-After` (or the backoff when it has none); anything else is the caller's to handle."""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

TIMEOUT = httpx.Timeout(60.0, connect=10.0)
NEXT_CURSOR = "X-Next-Cursor"


class ApiError(Exception):
    """An answer the tool does not retry (or the last one once retries ran out)."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.details = status, code, message, details

    @classmethod
    def of(cls, response: httpx.Response) -> ApiError:
        try:
            error = response.json()["error"]
            return cls(response.status_code, error["code"], error["message"], error.get("details"))
        except (ValueError, KeyError, TypeError):
            return cls(response.status_code, "http_error", response.text[:200] or response.reason_phrase)


def retry_after_s(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


@dataclass
class RetryPolicy:
    """`attempts` tries in all; the n-th retry waits a random time up to min(cap, base * 2**n)."""

    attempts: int = 6
    base_s: float = 0.5
    cap_s: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    notify: Callable[[str], None] = lambda message: None  # told of each retry

    def _wait(self, seconds: float, why: str) -> None:
        self.notify(f"{why}; retrying in {seconds:.1f}s")
        self.sleep(seconds)

    def backoff_s(self, retry: int) -> float:
        return self.jitter() * min(self.cap_s, self.base_s * 2**retry)

    def send(self, attempt: Callable[[], httpx.Response]) -> httpx.Response:
        """The first answer that is neither a 5xx nor a 429 (or the last one); network errors
        raise once the attempts are spent."""
        for retry in range(self.attempts):
            last = retry == self.attempts - 1
            try:
                response = attempt()
            except httpx.TransportError as exc:
                if last:
                    raise
                self._wait(self.backoff_s(retry), f"{type(exc).__name__}: {exc}")
                continue
            if last or not (response.status_code == 429 or response.status_code >= 500):
                return response
            wait = retry_after_s(response) if response.status_code == 429 else None
            why = f"{response.status_code} from {response.request.method} {response.request.url.path}"
            self._wait(min(self.cap_s, wait) if wait is not None else self.backoff_s(retry), why)
        raise AssertionError("unreachable")


def token_role(token: str) -> str:
    """The `role` claim of an access token (read, not verified: the API verifies it)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(claims["role"])
    except (IndexError, ValueError, KeyError) as exc:
        raise ValueError("the stored token is not an access token") from exc


def login(api: str, email: str, password: str, policy: RetryPolicy | None = None) -> str:
    """A backoffice access token (audiences backoffice and media) of a photographer or operator."""
    with httpx.Client(base_url=api, timeout=TIMEOUT) as client:
        response = (policy or RetryPolicy()).send(
            lambda: client.post("/v1/auth/login", json={"email": email, "password": password})
        )
    if response.status_code != 200:
        raise ApiError.of(response)
    return str(response.json()["token"])


@dataclass
class MediaApi:
    """The media API as the logged-in account, and storage's presigned URLs."""

    base_url: str
    token: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    transport: httpx.BaseTransport | None = None

    def __post_init__(self) -> None:
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=TIMEOUT,
            headers={"Authorization": f"Bearer {self.token}"},
            transport=self.transport,
        )
        self._storage = httpx.Client(timeout=TIMEOUT, transport=self.transport)

    def close(self) -> None:
        self._client.close()
        self._storage.close()

    def call(self, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> httpx.Response:
        response = self.policy.send(lambda: self._client.request(method, path, **kwargs))
        if response.status_code != expect:
            raise ApiError.of(response)
        return response

    def json(self, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> Any:
        return self.call(method, path, expect=expect, **kwargs).json()

    def pages(self, path: str, limit: int = 200) -> Iterator[dict[str, Any]]:
        """Every item of a keyset-paged list (`limit`, `cursor`, `X-Next-Cursor`)."""
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
            response = self.call("GET", path, params=params)
            yield from response.json()
            cursor = response.headers.get(NEXT_CURSOR)
            if not cursor:
                return

    def put(
        self, url: str, body: Callable[[], Iterator[bytes]], length: int, headers: Mapping[str, str]
    ) -> str:
        """PUT to a presigned URL, sending exactly `headers` (what it is signed for) and the length;
        `body` makes the content anew for each attempt. Answers the object's (or part's) ETag."""

        def attempt() -> httpx.Response:
            sent = {**headers, "Content-Length": str(length)}
            return self._storage.put(url, content=body(), headers=sent)

        response = self.policy.send(attempt)
        if response.status_code != 200:
            raise ApiError(response.status_code, "storage_refused", response.text[:200])
        return response.headers.get("ETag", "")
