"""The real Serve app on local Ray against a real S3 server (moto), called through VisionClient; its
replicas' metrics read from Ray's own Prometheus exporter (the metrics export port)."""

import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from api.processing.vision_client import VisionClient
from tests.support.http import wait_until
from tests.support.metrics import scrape, total
from vision.config import VisionSettings
from vision.serve.app import build_app, model_deployment_options, version_info
from wairo_contracts.s3client import make_s3_client
from wairo_contracts.storage import S3Settings
from wairo_contracts.vision import ObjectRef
from wairo_dev.stack.processes import StackError, Supervisor, free_port, wait_for

BUCKET = "wairo-test-media"


def test_deployment_options_from_configuration():
    fixed = model_deployment_options(VisionSettings(num_replicas=3, num_gpus=1, max_ongoing_requests=500))
    assert fixed["num_replicas"] == 3
    assert fixed["ray_actor_options"]["num_gpus"] == 1
    assert fixed["max_ongoing_requests"] == 500
    auto = model_deployment_options(VisionSettings(autoscaling=True, min_replicas=1, max_replicas=6))
    assert "num_replicas" not in auto
    assert auto["autoscaling_config"]["max_replicas"] == 6
    info = version_info(VisionSettings())
    assert (info.backend, info.model, info.embedding_dim) == ("dlib", "dlib-resnet-128", 128)
    with pytest.raises(ValueError, match="unknown vision backend"):
        build_app(VisionSettings(backend="nope"))


@pytest.fixture(scope="module")
def s3(faces_dir: Path) -> Iterator[S3Settings]:
    from bench.vision.throughput import moto_s3

    with moto_s3(BUCKET) as settings:
        client = make_s3_client(settings)
        for name in ("group-t1.jpg", "img1.jpg"):
            client.put_object(
                Bucket=BUCKET, Key=f"photos/{name}", Body=(faces_dir / "images" / name).read_bytes()
            )
        client.put_object(Bucket=BUCKET, Key="photos/not-an-image.jpg", Body=b"definitely not a jpeg")
        yield settings


class Service(NamedTuple):
    url: str
    metrics_port: int  # Ray's metrics agent: this node's metrics, the replicas' among them


def _healthy(url: str) -> bool:
    with VisionClient(url, timeout_s=5) as client:
        return client.health()


@pytest.fixture(scope="module")
def service(s3: S3Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`python -m vision.serve` as a process of its own, configured by its variables: Ray's driver
    is not this process, so a Ray process that dies fails these tests, not the whole session."""
    settings = {"num_replicas": 1, "max_batch_size": 2, "batch_wait_timeout_s": 0.05, "io_threads": 2}
    env = dict(os.environ) | {f"WAIRO_VISION_{k.upper()}": str(v) for k, v in settings.items()}
    env |= {f"WAIRO_S3_{k.upper()}": str(v) for k, v in s3.model_dump().items()}
    sup = Supervisor(tmp_path_factory.mktemp("vision-logs"), env)
    try:
        for attempt in range(3):
            # Ports free a moment ago may be taken by one of Ray's own processes by the time the
            # proxy or the metrics agent binds them (they pick theirs at random too): then the
            # service starts again on others.
            service = Service(f"http://127.0.0.1:{free_port()}", free_port())
            argv = ["--num-cpus", "2", "--dashboard-port", "0", "--metrics-port", str(service.metrics_port)]
            child = sup.python(
                "vision", ["-m", "vision.serve", "--port", service.url.rsplit(":", 1)[1], *argv]
            )
            try:
                wait_for(partial(_healthy, service.url), "the vision service", timeout_s=240, proc=child)
                break
            except StackError:
                child.stop()
                if attempt == 2:
                    raise
        yield service
    finally:
        sup.stop_all()


@pytest.fixture(scope="module")
def vision(service: Service) -> Iterator[VisionClient]:
    with VisionClient(service.url, timeout_s=120) as client:
        yield client


def test_health_and_version(vision: VisionClient):
    assert vision.health()
    v = vision.version()
    assert v.backend == "dlib" and v.model == "dlib-resnet-128" and v.embedding_dim == 128
    assert 0 < v.threshold < 1


def test_analyze_over_http(vision: VisionClient):
    items: list[ObjectRef | tuple[str, str]] = [
        ObjectRef(bucket=BUCKET, key="photos/group-t1.jpg"),
        (BUCKET, "photos/missing.jpg"),
        (BUCKET, "photos/img1.jpg"),
        (BUCKET, "photos/not-an-image.jpg"),
        (BUCKET, "photos/img1.jpg"),  # duplicates are answered too
    ]
    results = vision.analyze(items)
    assert [r.key for r in results] == [
        "photos/group-t1.jpg",
        "photos/missing.jpg",
        "photos/img1.jpg",
        "photos/not-an-image.jpg",
        "photos/img1.jpg",
    ]
    group, missing, single, garbage, again = results
    assert group.ok and 5 <= len(group.faces) <= 7
    assert (group.width, group.height) == (1280, 886)
    for face in group.faces:
        assert face.model == "dlib-resnet-128" and len(face.embedding) == 128
        assert np.linalg.norm(face.embedding) == pytest.approx(1.0, abs=1e-4)
        assert len(face.landmarks) == 5 and 0 <= face.quality.score <= 1
    assert missing.error and "NoSuchKey" in missing.error and missing.error_kind == "missing"
    assert garbage.error and "decode" in garbage.error and garbage.error_kind == "decode"
    assert single.ok and len(single.faces) == 1
    assert again.faces[0].embedding == single.faces[0].embedding


def test_concurrent_requests_are_batched_across_requests(vision: VisionClient):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: vision.analyze([(BUCKET, "photos/img1.jpg")]), range(4)))
    assert all(r[0].ok and len(r[0].faces) == 1 for r in results)


def test_rematch_over_http(vision: VisionClient):
    """The whole-project re-match runs in the service: two selfies against a group photo's faces."""
    from api.processing.vision_client import VisionError
    from wairo_contracts.matrix import to_matrix
    from wairo_contracts.vision import MatchRequest

    group = vision.analyze([(BUCKET, "photos/group-t1.jpg")])[0]
    faces = np.asarray([f.embedding for f in group.faces], dtype=np.float32)
    selfies = faces[:2] + 0.005  # two guests whose selfies look like the first two faces
    request = MatchRequest(
        model="dlib-resnet-128",
        users=["ana", "ben"],
        user_embeddings=to_matrix(selfies),
        faces=[f"face-{i}" for i in range(len(faces))],
        photos=["group"] * len(faces),
        face_embeddings=to_matrix(faces),
    )
    response = vision.match(request)
    assert [(t.user, t.photo, t.face) for t in response.tags] == [
        ("ana", "group", "face-0"),
        ("ben", "group", "face-1"),
    ]
    with pytest.raises(VisionError, match="422"):
        vision.match(request.model_copy(update={"model": "mystery-model"}))


def _replica_figures(url: str, faces: int) -> dict[str, float]:
    """What the replicas exported so far, histograms by bucket (Ray exports a histogram's `_sum`
    from its buckets' midpoints, vision/serve/metrics.py): items from the batch-size buckets
    (max_batch_size is 2: batches of one, plus twice those of two), the photos whose face count
    falls in the bucket of `faces` and in the one below."""
    from vision.serve.metrics import FACES_BOUNDARIES

    samples = scrape(url)
    upper = min(b for b in FACES_BOUNDARIES if b >= faces)
    lower = max(b for b in FACES_BOUNDARIES if b < upper)
    batch, face = "ray_wairo_vision_batch_size_bucket", "ray_wairo_vision_faces_per_photo_bucket"
    ones, up_to_two = total(samples, batch, le="1.0"), total(samples, batch, le="2.0")
    return {
        "items": ones + 2 * (up_to_two - ones),
        "batches": total(samples, "ray_wairo_vision_batch_size_count"),
        "inferences": total(samples, "ray_wairo_vision_inference_seconds_count"),
        "photos": total(samples, "ray_wairo_vision_faces_per_photo_count"),
        "in_bucket": total(samples, face, le=str(float(upper))) - total(samples, face, le=str(float(lower))),
        "ok": total(samples, "ray_wairo_vision_items_total", outcome="ok"),
        "missing": total(samples, "ray_wairo_vision_items_total", outcome="missing"),
    }


def test_replica_metrics_reach_rays_exporter(vision: VisionClient, service: Service):
    """Batch size, inference time, faces per photo and items by outcome, recorded in the replica
    through ray.serve.metrics, are on Ray's exporter with Serve's tags a few seconds later (Ray
    reports them periodically)."""
    url = f"http://127.0.0.1:{service.metrics_port}/metrics"
    start = _replica_figures(url, 1)
    (group,) = vision.analyze([(BUCKET, "photos/group-t1.jpg")])

    def exported() -> dict[str, float] | None:
        """Once this analysis is exported, so is everything the replica recorded before it."""
        figures = _replica_figures(url, len(group.faces))
        return figures if figures["ok"] > start["ok"] else None

    before = wait_until(exported, timeout_s=90, what="the first analysis on Ray's exporter")

    again, missing = vision.analyze([(BUCKET, "photos/group-t1.jpg"), (BUCKET, "photos/missing.jpg")])
    assert again.ok and missing.error_kind == "missing"

    def moved() -> dict[str, float] | None:
        now = _replica_figures(url, len(group.faces))
        delta = {k: now[k] - before[k] for k in now}
        # Ray reports each series on its own: wait until the batches' series caught up too.
        arrived = delta["items"] >= 2 and delta["photos"] >= 1 and delta["missing"] >= 1
        return delta if arrived and delta["inferences"] == delta["batches"] else None

    delta = wait_until(moved, timeout_s=90, what="the replica's metrics on Ray's exporter")
    assert delta["items"] == 2 and delta["batches"] in (1, 2)  # the two items, in one batch or two
    assert delta["inferences"] == delta["batches"]
    assert delta["photos"] == 1 and delta["in_bucket"] == 1  # the missing object is no photo
    assert delta["ok"] == 1 and delta["missing"] == 1
    series = [s.labels for s in scrape(url) if s.name == "ray_wairo_vision_batch_size_count"]
    tags = {(t["deployment"], t["application"], t["backend"]) for t in series}
    assert tags == {("FaceModel", "vision", "dlib")}
