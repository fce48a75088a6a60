"""One file's upload: its upload URL (with the file's SHA-256, so what the project already stores
is skipped), then a single presigned PUT, or above the threshold a resumable multipart upload whose
progress is kept in a state file (`uploads/<project>-<sha256>.json` in the config dir) so that a
run killed half-way resumes the same session, part by part, in order; then the completion."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from wairo_client import files
from wairo_client.api import ApiError, MediaApi
from wairo_client.config import write_private

Status = Literal["uploaded", "skipped", "failed"]
# Resuming meets these when the session or its photo is gone: the upload starts over.
_SESSION_GONE = frozenset({"not_found", "not_pending", "session_ended", "session_expired"})


@dataclass(frozen=True)
class Outcome:
    path: Path
    status: Status
    detail: str = ""  # the photo id, or why it was skipped or failed
    size: int = 0


# Bytes sent so far for a file: (path, bytes just sent).
OnBytes = Callable[[Path, int], None]


class Throttle:
    """Sleeps so that what passes through stays under `rate` bytes/s (`--limit-rate`; None: no limit)."""

    def __init__(self, rate: int | None) -> None:
        self.rate, self._start, self._sent = rate, time.monotonic(), 0

    def passed(self, n: int) -> None:
        if not self.rate:
            return
        self._sent += n
        ahead = self._sent / self.rate - (time.monotonic() - self._start)
        if ahead > 0:
            time.sleep(ahead)


@dataclass
class Uploader:
    api: MediaApi
    project_id: str
    state_dir: Path
    album_id: str | None = None
    resumable_above: int = 64 * 1024 * 1024
    on_bytes: OnBytes = lambda path, n: None
    limit_rate: int | None = None

    def upload(self, path: Path) -> Outcome:
        try:
            return self._upload(path)
        except ApiError as exc:
            return Outcome(path, "failed", f"{exc.code}: {exc.message}")
        except OSError as exc:
            return Outcome(path, "failed", f"cannot read: {exc.strerror or exc}")
        except Exception as exc:  # a network error after the retries: the other files go on
            return Outcome(path, "failed", f"{type(exc).__name__}: {exc}")

    def _upload(self, path: Path) -> Outcome:
        content_type = files.content_type(path)
        size = path.stat().st_size
        if content_type is None:
            return Outcome(path, "failed", files.NOT_AN_IMAGE, size)
        sha = files.sha256(path)
        state_path = self.state_dir / f"{self.project_id}-{sha}.json"
        if size > self.resumable_above:
            photo_id = self._multipart(path, size, content_type, sha, state_path)
        else:
            photo_id = self._single(path, size, content_type, sha)
        if photo_id is None:
            return Outcome(path, "skipped", "already in the project", size)
        return Outcome(path, "uploaded", photo_id, size)

    def _body(self, path: Path, size: int, content_type: str, sha: str) -> dict[str, Any]:
        body: dict[str, Any] = {"projectId": self.project_id, "fileName": path.name, "sizeBytes": size}
        body |= {"contentType": content_type, "clientSha256": sha}
        return body | ({"albumId": self.album_id} if self.album_id else {})

    def _upload_url(self, path: Path, size: int, content_type: str, sha: str) -> dict[str, Any] | None:
        """The upload URL's answer, None when the project stores the file already."""
        try:
            answer: dict[str, Any] = self.api.json(
                "POST", "/v1/photos/upload-url", json=self._body(path, size, content_type, sha), expect=201
            )
        except ApiError as exc:
            if exc.code == "duplicate_photo":
                return None
            raise
        return answer

    def _read(self, path: Path, offset: int, length: int) -> Callable[[], Iterator[bytes]]:
        throttle = Throttle(self.limit_rate)

        def body() -> Iterator[bytes]:
            for block in files.read_range(path, offset, length):
                throttle.passed(len(block))
                self.on_bytes(path, len(block))
                yield block

        return body

    def _single(self, path: Path, size: int, content_type: str, sha: str) -> str | None:
        upload = self._upload_url(path, size, content_type, sha)
        if upload is None:
            return None
        self.api.put(upload["uploadUrl"], self._read(path, 0, size), size, upload["headers"])
        self.api.json("POST", f"/v1/photos/{upload['photoId']}/complete", expect=202)
        return str(upload["photoId"])

    # --- resumable ---------------------------------------------------------------------------------

    def _multipart(self, path: Path, size: int, content_type: str, sha: str, state_path: Path) -> str | None:
        state = _read_state(state_path)
        if state is not None:
            try:
                return self._parts(path, size, content_type, state, state_path)
            except ApiError as exc:
                if exc.code not in _SESSION_GONE:
                    raise
            state_path.unlink(missing_ok=True)  # gone on the server's side: start over
        upload = self._upload_url(path, size, content_type, sha)
        if upload is None:
            return None
        state = {"photoId": upload["photoId"], "parts": []}
        write_private(state_path, state)
        return self._parts(path, size, content_type, state, state_path)

    def _parts(
        self, path: Path, size: int, content_type: str, state: dict[str, Any], state_path: Path
    ) -> str:
        """Start (or resume: the server answers the same session) the photo's session, send the
        parts the state file does not list yet, in order, then complete it."""
        photo_id = str(state["photoId"])
        session = self.api.json(
            "POST",
            "/v1/uploads:resumable",
            json={"photoId": photo_id, "totalBytes": size, "contentType": content_type},
            expect=201,
        )
        if state.get("sessionId") != session["sessionId"]:
            state = {"photoId": photo_id, "sessionId": session["sessionId"], "parts": []}
            write_private(state_path, state)
        part_size = int(session["partSizeBytes"])
        done = {int(p["partNumber"]) for p in state["parts"]}
        self.on_bytes(path, sum(min(part_size, size - (n - 1) * part_size) for n in done))
        for number in range(1, -(-size // part_size) + 1):
            if number in done:
                continue
            offset = (number - 1) * part_size
            length = min(part_size, size - offset)
            part = self.api.json("POST", f"/v1/uploads/{session['sessionId']}/parts/{number}")
            etag = self.api.put(part["url"], self._read(path, offset, length), length, session["headers"])
            state["parts"].append({"partNumber": number, "etag": etag})
            write_private(state_path, state)
        self.api.json("POST", f"/v1/uploads/{session['sessionId']}:complete", json={"parts": state["parts"]})
        state_path.unlink(missing_ok=True)
        return photo_id


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return state if "photoId" in state and isinstance(state.get("parts"), list) else None
