# syntax=docker/dockerfile:1.7
# The api image: the three FastAPI apps, the Celery worker and beat, and `wairo-server migrate`.
#   docker build -f docker/api.Dockerfile -t wairo/api .
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only the API's packages (contracts/ and api/) and its extra: no ray, dlib, onnxruntime or kopf.
COPY pyproject.toml setup.py requirements.lock README.md ./
COPY contracts ./contracts
COPY api ./api
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install -c requirements.lock '.[api]'

FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 WAIRO_ENV=production
RUN apt-get update && apt-get install -y --no-install-recommends libjpeg62-turbo libpng16-16 tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 wairo && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin wairo
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
EXPOSE 8001 8002 8003
ENTRYPOINT ["tini", "--"]
# The chart overrides the command per component (uvicorn ... --factory | celery ... worker | beat | wairo-server migrate).
CMD ["uvicorn", "api.apps.backoffice:create_app", "--factory", "--host", "0.0.0.0", "--port", "8001"]
