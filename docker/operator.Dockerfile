# syntax=docker/dockerfile:1.7
# The operator image: kopf + wairo_operator only (no api, no vision dependencies).
#   docker build -f docker/operator.Dockerfile -t wairo/operator .
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.lock /tmp/requirements.lock
# Only the operator's own dependencies, pinned by the project's lock file.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install -c /tmp/requirements.lock kopf kubernetes boto3 pydantic pydantic-settings
COPY operator/wairo_operator /opt/app/wairo_operator

FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/opt/app PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN groupadd --gid 10001 wairo && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin wairo
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/app /opt/app
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["kopf", "run", "-m", "wairo_operator.main", "--all-namespaces", "--standalone", \
            "--liveness=http://0.0.0.0:8080/healthz"]
