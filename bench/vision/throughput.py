"""Throughput: the Ray Serve path (real app on local Ray, photos in a real S3 server) vs a naive
baseline (one image at a time, one process, full-resolution HOG with upsample=1)."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.vision.accuracy import PhotoFaces
from vision.config import VisionSettings
from vision.imaging import decode_image
from vision.storage import read_object
from wairo_contracts.s3client import make_s3_client
from wairo_contracts.storage import S3Settings


@dataclass(frozen=True, slots=True)
class RunResult:
    photos: int
    faces: int
    seconds: float
    analysed: list[PhotoFaces]
    errors: int = 0

    @property
    def photos_per_s(self) -> float:
        return self.photos / self.seconds

    @property
    def faces_per_s(self) -> float:
        return self.faces / self.seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def moto_s3(bucket: str) -> Iterator[S3Settings]:
    """A real S3 endpoint (moto's threaded server) with ``bucket`` created."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        settings = S3Settings(endpoint=f"http://127.0.0.1:{port}", bucket=bucket)
        make_s3_client(settings).create_bucket(Bucket=bucket)
        yield settings
    finally:
        server.stop()


def upload(s3: S3Settings, objects: Sequence[tuple[str, bytes]]) -> None:
    client = make_s3_client(s3)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda kv: client.put_object(Bucket=s3.bucket, Key=kv[0], Body=kv[1]), objects))


def run_serve(
    s3: S3Settings,
    keys: Sequence[str],
    settings: VisionSettings,
    num_cpus: int,
    request_size: int,
    concurrency: int,
    log: Callable[[str], None] = print,
) -> RunResult:
    """Start Ray + the real Serve app, fire the photos at it concurrently over HTTP, stop both."""
    import ray
    from ray import serve

    from api.processing.vision_client import VisionClient
    from vision.serve.app import build_app

    # Ray starts workers at niceness 15; the baseline runs at 0 in this process, so level the field.
    os.environ.setdefault("RAY_worker_niceness", "0")
    port = free_port()
    ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    try:
        serve.start(http_options={"host": "127.0.0.1", "port": port})
        serve.run(build_app(settings, s3), name="vision", route_prefix="/")
        client = VisionClient(f"http://127.0.0.1:{port}", timeout_s=600)
        client.analyze([(s3.bucket, k) for k in keys[: settings.num_replicas * 2]])  # warm-up
        chunks = [list(keys[i : i + request_size]) for i in range(0, len(keys), request_size)]
        log(f"  serve: {settings.num_replicas} replicas, {len(chunks)} requests, concurrency {concurrency}")

        def one(chunk: list[str]) -> list[Any]:
            return list(client.analyze([(s3.bucket, k) for k in chunk]))

        t0 = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            results = [r for batch in pool.map(one, chunks) for r in batch]
        seconds = time.perf_counter() - t0
        client.close()
    finally:
        serve.shutdown()
        ray.shutdown()
    analysed = [
        PhotoFaces(
            key=r.key,
            # (faces, dim); a photo where nothing was found is (0, 0)
            embeddings=np.asarray([f.embedding for f in r.faces], dtype=np.float32).reshape(len(r.faces), -1)
            if r.faces
            else np.zeros((0, 0), np.float32),
            boxes=[f.box for f in r.faces],
        )
        for r in results
    ]
    return RunResult(
        photos=len(keys),
        faces=sum(len(a.boxes) for a in analysed),
        seconds=seconds,
        analysed=analysed,
        errors=sum(1 for r in results if r.error),
    )


def run_baseline(s3: S3Settings, keys: Sequence[str]) -> RunResult:
    """How ``face_recognition`` is usually used: per photo, read, decode, HOG at full resolution
    with upsample=1, landmarks and one descriptor call per face (5-point model)."""
    import dlib
    import face_recognition_models as frm

    detector = dlib.get_frontal_face_detector()
    shape = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
    net = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
    client = make_s3_client(s3)
    analysed: list[PhotoFaces] = []
    t0 = time.perf_counter()
    for key in keys:
        image = decode_image(read_object(client, s3.bucket, key))
        rects = detector(image, 1)
        vectors = []
        for rect in rects:
            desc = net.compute_face_descriptor(image, shape(image, rect), 1)
            vectors.append(np.asarray(desc, dtype=np.float32))
        emb = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), 128)
        emb /= np.linalg.norm(emb, axis=1, keepdims=True) + 1e-12
        boxes = [(float(r.left()), float(r.top()), float(r.right()), float(r.bottom())) for r in rects]
        analysed.append(PhotoFaces(key=key, embeddings=emb, boxes=boxes))
    seconds = time.perf_counter() - t0
    return RunResult(len(keys), sum(len(a.boxes) for a in analysed), seconds, analysed)
