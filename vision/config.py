"""Configuration of the vision service, from ``WAIRO_VISION_*`` variables (storage: the platform's
``WAIRO_S3_*``, `wairo_contracts.storage.S3Settings`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class VisionSettings(BaseSettings):
    """Knobs of the vision service. Every field maps to ``WAIRO_VISION_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="WAIRO_VISION_", extra="ignore")

    # Backend ("dlib" or "insightface", see wairo_contracts.faces); validated by
    # :func:`vision.models.create_analyzer`.
    backend: str = "dlib"
    # insightface: folder with the buffalo_l layout (det_10g.onnx, w600k_r50.onnx).
    model_dir: Path | None = None
    # onnxruntime providers in preference order; unavailable ones are dropped.
    providers: list[str] = Field(default_factory=lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    intra_op_threads: int = 0  # 0: onnxruntime decides

    # Detection.
    min_face_px: int = Field(40, ge=8, description="smallest face side (px, original image) to find")
    max_side_px: int = Field(3072, ge=256, description="longest side of the image the detector scans")
    det_threshold: float = 0.5  # SCRFD score threshold (dlib HOG uses its own margin, see dlib_adjust)
    dlib_adjust_threshold: float = 0.0
    nms_threshold: float = 0.4
    det_size: int = 640  # SCRFD input side
    embed_batch_size: int = 32
    max_image_pixels: int = 80_000_000  # decompression-bomb guard

    # Ray Serve.
    max_batch_size: int = Field(8, ge=1)
    batch_wait_timeout_s: float = Field(0.01, ge=0)
    # Batches inferring at once in a replica, one thread and one analyzer each (backends release
    # the GIL); unset: see `inference_threads`. One more batch may be reading and decoding its
    # images meanwhile.
    max_concurrent_batches: int | None = Field(None, ge=1, le=64)
    max_ongoing_requests: int = Field(256, ge=1)
    num_replicas: int = Field(1, ge=1)
    autoscaling: bool = False
    min_replicas: int = Field(1, ge=0)
    max_replicas: int = Field(4, ge=1)
    target_ongoing_requests: float = 16.0
    num_cpus: float = 1.0
    num_gpus: float = 0.0
    io_threads: int = Field(4, ge=1)

    # Local runner (python -m vision.serve).
    host: str = "127.0.0.1"
    port: int = 8000
    dashboard_port: int = 8265
    # Ray's metrics export port (Prometheus; the replicas' vision/serve/metrics.py too); 0: Ray picks one.
    metrics_port: int = 0

    def inference_threads(self) -> int:
        """Batches a replica infers at once: `max_concurrent_batches` when set; otherwise, for dlib
        (one core per call), the CPUs the replica is given (`num_cpus`, at least one); for
        insightface one, its onnxruntime session using the cores itself."""
        if self.max_concurrent_batches is not None:
            return self.max_concurrent_batches
        if self.backend == "dlib":
            return max(1, min(64, int(self.num_cpus)))
        return 1
