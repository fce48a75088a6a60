# syntax=docker/dockerfile:1.7
# The operator image: kopf + wairo_operator (no api, no vision dependencies).
#   docker build -f docker/operator.Dockerfile -t wairo/operator .
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Only the operator's packages (contracts/ and operator/) and its extra, pinned by the lock file.
COPY pyproject.toml setup.py requirements.lock README.md ./
COPY contracts ./contracts
COPY operator ./operator
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install -c requirements.lock '.[operator]'

FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN groupadd --gid 10001 wairo && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin wairo
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["kopf", "run", "-m", "wairo_operator.main", "--all-namespaces", "--standalone", \
            "--liveness=http://0.0.0.0:8080/healthz"]
