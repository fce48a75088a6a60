"""The Ray Serve application: a batching model deployment behind a thin FastAPI ingress.

``vision.serve.app:app`` is the application bound from the environment's configuration;
``build_app(settings, s3)`` builds one from explicit settings and ``app_builder`` serves
``serve run vision.serve.app:app_builder backend=dlib num_replicas=2`` style arguments.
"""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import FastAPI, HTTPException
from ray import serve
from ray.serve import Application
from ray.serve.handle import DeploymentHandle

from vision import __version__
from vision.batching import dedupe, expand, run_isolated, scatter, split_ok
from vision.config import VisionSettings
from vision.imaging import decode_image
from vision.models import create_analyzer_pool
from vision.serve.convert import match_response, result_out
from vision.serve.metrics import ReplicaMetrics
from vision.storage import read_object, replica_s3_client
from vision.types import ImageArray
from wairo_contracts.faces import backend_model
from wairo_contracts.storage import S3Settings
from wairo_contracts.vision import (
    AnalyzeRequest,
    AnalyzeResponse,
    AnalyzeResult,
    Health,
    MatchRequest,
    MatchResponse,
    VersionInfo,
)

log = logging.getLogger("wairo.vision")

Item = tuple[str, str]  # (bucket, key)


class FaceModel:
    """Model replica: reads images from S3 itself, batches across requests, runs the analyzer."""

    def __init__(self, vision: dict[str, Any], s3: dict[str, Any]) -> None:
        self.settings = settings = VisionSettings.model_validate(vision)
        self.analyzers = create_analyzer_pool(settings)
        self.analyzers.load()  # fail at start-up, not on the first request
        self.metrics = ReplicaMetrics(settings.backend)  # batch sizes, inference time, faces per photo
        self.s3 = replica_s3_client(S3Settings.model_validate(s3), settings.io_threads)
        self.io_pool = ThreadPoolExecutor(settings.io_threads, thread_name_prefix="vision-io")
        # `inference_threads` batches infer at once, one thread and analyzer each; one more batch
        # may be reading and decoding meanwhile, so I/O overlaps inference.
        self.infer_pool = ThreadPoolExecutor(self.analyzers.size, thread_name_prefix="vision-infer")
        self.analyze_batch = serve.batch(
            max_batch_size=settings.max_batch_size,
            batch_wait_timeout_s=settings.batch_wait_timeout_s,
            max_concurrent_batches=self.analyzers.size + 1,
        )(self._analyze_batch)

    def _load(self, item: Item) -> ImageArray:
        data = read_object(self.s3, item[0], item[1])
        return decode_image(data, self.settings.max_image_pixels)

    async def analyze(self, bucket: str, key: str) -> AnalyzeResult:
        result: AnalyzeResult = await self.analyze_batch((bucket, key))
        return result

    async def _analyze_batch(self, items: list[Item]) -> list[AnalyzeResult]:
        """One Serve batch (`self.analyze_batch` gathers it across requests, see __init__)."""
        self.metrics.batch(len(items))
        loop = asyncio.get_running_loop()
        groups = dedupe(items)
        loaded: list[ImageArray | BaseException] = await asyncio.gather(
            *(loop.run_in_executor(self.io_pool, self._load, item) for item in groups.unique),
            return_exceptions=True,
        )
        ok_idx, images, errors = split_ok(loaded)
        infer = self.metrics.timed(run_isolated)
        analysed = await loop.run_in_executor(self.infer_pool, infer, self.analyzers.analyze, images)
        outcomes = scatter(len(groups.unique), ok_idx, analysed, errors)
        results = [
            result_out(item[0], item[1], None if isinstance(img, BaseException) else img, outcome)
            for item, img, outcome in zip(groups.unique, loaded, outcomes, strict=True)
        ]
        self.metrics.results(results)
        for r in results:
            if r.error:
                log.warning("analyze %s/%s failed: %s", r.bucket, r.key, r.error)
        return expand(results, groups)

    def check_health(self) -> None:
        """Serve's periodic replica health check: the pools must still accept work."""
        if self.infer_pool._shutdown or self.io_pool._shutdown:
            raise RuntimeError("vision replica thread pools are shut down")


api = FastAPI(title="wairo-vision", version=__version__)


@serve.ingress(api)
class VisionIngress:
    """Thin HTTP front: validates, fans items out to the model deployment, gathers the results."""

    def __init__(self, model: DeploymentHandle, info: dict[str, Any]) -> None:
        self._model = model
        self._info = VersionInfo.model_validate(info)

    @api.post("/v1/analyze", response_model=AnalyzeResponse)
    async def analyze(self, body: AnalyzeRequest) -> AnalyzeResponse:
        responses = [self._model.analyze.remote(i.bucket, i.key) for i in body.items]
        results: list[AnalyzeResult] = list(await asyncio.gather(*responses))
        return AnalyzeResponse(results=results)

    @api.post("/v1/match", response_model=MatchResponse)
    async def match(self, body: MatchRequest) -> MatchResponse:
        """A whole project's re-match in one batched matrix computation (off the event loop)."""
        try:
            return await asyncio.to_thread(match_response, body)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None

    @api.get("/healthz", response_model=Health)
    async def healthz(self) -> Health:
        return Health()

    @api.get("/version", response_model=VersionInfo)
    async def version(self) -> VersionInfo:
        return self._info


def version_info(settings: VisionSettings) -> VersionInfo:
    model = backend_model(settings.backend)
    return VersionInfo(
        version=__version__,
        backend=model.backend,
        model=model.name,
        embedding_dim=model.dimension,
        threshold=model.threshold,
        margin=model.margin,
    )


def model_deployment_options(settings: VisionSettings) -> dict[str, Any]:
    """Serve options of the model deployment, from configuration."""
    opts: dict[str, Any] = {
        "name": "FaceModel",
        "max_ongoing_requests": settings.max_ongoing_requests,
        "ray_actor_options": {"num_cpus": settings.num_cpus, "num_gpus": settings.num_gpus},
        "health_check_period_s": 10,
    }
    if settings.autoscaling:
        opts["autoscaling_config"] = {
            "min_replicas": settings.min_replicas,
            "initial_replicas": max(settings.min_replicas, 1),
            "max_replicas": settings.max_replicas,
            "target_ongoing_requests": settings.target_ongoing_requests,
        }
    else:
        opts["num_replicas"] = settings.num_replicas
    return opts


def build_app(settings: VisionSettings | None = None, s3: S3Settings | None = None) -> Application:
    settings = settings or VisionSettings()
    s3 = s3 or S3Settings()
    info = version_info(settings)  # rejects unknown backends before anything starts
    model = serve.deployment(**model_deployment_options(settings))(FaceModel).bind(
        settings.model_dump(mode="json"), s3.model_dump(mode="json")
    )
    ingress = serve.deployment(
        name="VisionIngress",
        num_replicas=1,
        max_ongoing_requests=settings.max_ongoing_requests,
        ray_actor_options={"num_cpus": 0},
    )(VisionIngress)
    return ingress.bind(model, info.model_dump())


def app_builder(args: dict[str, str]) -> Application:
    """Serve's application-builder entry point: ``args`` override ``WAIRO_VISION_*`` settings."""
    base = VisionSettings().model_dump()
    base.update(args)
    return build_app(VisionSettings.model_validate(base))


app = build_app()
