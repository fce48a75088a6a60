"""A light stand-in for the vision service's HTTP layer: the same `/v1/analyze` and `/v1/match`
contract, served by a plain threaded HTTP server, backed by the REAL analyzer (dlib backend)
reading objects from S3 and the real matching code.

Ray Serve (the real service's layer) is too heavy for the test suite and the pipeline benchmark on
a small shared machine; the face detection and embeddings are the real ones, and as in a replica
`inference_threads` requests infer at once, one analyzer each (vision/models/pool.py).

Used by the pipeline benchmark (as its own process: `python -m bench.pipeline.vision_server PORT`)
and by the tests (tests/fixtures/vision.py; tests/faults/servers.py holds requests through
`before_request`)."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from vision.config import VisionSettings


class _Handler(BaseHTTPRequestHandler):
    server: VisionServer

    def log_message(self, *_: Any) -> None:
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._send(200, {"status": "ok"})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.server.before_request is not None:
            self.server.before_request(body)
        if self.path == "/v1/match":
            self._match(body)
        else:
            self._analyze(body)

    def _analyze(self, body: bytes) -> None:
        from vision.batching import item_error
        from vision.imaging import decode_image
        from vision.serve.convert import result_out
        from vision.storage import read_object
        from wairo_contracts.vision import AnalyzeRequest, AnalyzeResponse

        request = AnalyzeRequest.model_validate_json(body)
        results = []
        for ref in request.items:
            image: Any
            try:
                image = decode_image(read_object(self.server.s3, ref.bucket, ref.key))
                faces: Any = self.server.analyzers.analyze([image])[0]
            except Exception as exc:
                image, faces = None, item_error(exc)
            results.append(result_out(ref.bucket, ref.key, image, faces))
        self._send(200, AnalyzeResponse(results=results).model_dump())

    def _match(self, body: bytes) -> None:
        from pydantic import ValidationError

        from vision.serve.convert import match_response
        from wairo_contracts.vision import MatchRequest

        try:
            response = match_response(MatchRequest.model_validate_json(body))
        except (ValidationError, ValueError) as exc:
            self._send(422, {"detail": str(exc)})
            return
        self._send(200, response.model_dump())


class VisionServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        port: int,
        before_request: Callable[[bytes], None] | None = None,
        settings: VisionSettings | None = None,
    ) -> None:
        """`before_request`, if given, is called with each POST's body before it is answered (in
        the request's thread: it may hold the request). `settings` default to the environment's
        (`WAIRO_VISION_*`), with the dlib backend."""
        from vision.models import create_analyzer_pool

        super().__init__(("127.0.0.1", port), _Handler)
        self.analyzers = create_analyzer_pool(settings or VisionSettings(backend="dlib"))
        self.analyzers.load()
        self.before_request = before_request
        self.url = f"http://127.0.0.1:{port}"

    @cached_property
    def s3(self) -> Any:
        """Made on first use: the storage endpoint (WAIRO_S3_*) may be known only after start-up."""
        from wairo_contracts.s3client import make_s3_client
        from wairo_contracts.storage import S3Settings

        return make_s3_client(S3Settings())

    def start(self) -> VisionServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self


def main(argv: list[str]) -> None:
    """`python -m bench.pipeline.vision_server PORT`: serve until killed (storage: WAIRO_S3_*)."""
    server = VisionServer(int(argv[0]))
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
