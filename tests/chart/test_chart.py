"""The Helm chart: lint, render (default and GPU values), validate every manifest against the
Kubernetes 1.30 schemas, validate example Projects against the CRD, and catch CRD drift; the
metrics wiring (ServiceMonitors only when enabled, each matching a Service and its port) and the
Grafana dashboard (valid JSON whose queries name only metrics the code exports).

helm comes from `.tools/bin/helm` (installed by `make .tools/bin/helm`, a prerequisite of
`make test`) or from PATH.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "wairo"
CRD_SOURCE = ROOT / "crds" / "project.yaml"
K8S_VERSION = "1.30.0"

# Custom resources have no schema in kubernetes-validate's catalogue:
#  - Project (wairo.io) is validated against its own CRD schema below;
#  - RayService (ray.io, KubeRay) has no schema available offline: checked structurally instead
#    (test_gpu_values_request_gpus / test_rayservice_shape);
#  - ServiceMonitor (monitoring.coreos.com, the Prometheus operator): test_service_monitors.
CUSTOM_KINDS = {
    ("wairo.io/v1alpha1", "Project"),
    ("ray.io/v1", "RayService"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
}

SECRET_VALUES = [
    "secrets.existingSecret=",
    "secrets.databaseUrl=postgresql+psycopg://wairo:pw@db:5432/wairo",
    "secrets.brokerUrl=redis://valkey:6379/0",
    "secrets.s3AccessKey=AKIAEXAMPLE",
    "secrets.s3SecretKey=secret-example-value",
    "secrets.stripeWebhookSecret=whsec_0123456789abcdef",
    "secrets.jwtSecret=jwt-0123456789abcdef0123456789",
    "secrets.storageEventsSecret=events-0123456789abcdef",
]


def _helm() -> str:
    local = ROOT / ".tools" / "bin" / "helm"
    if local.exists():
        return str(local)
    found = shutil.which("helm")
    if found is None:
        pytest.fail("helm not found: run `make .tools/bin/helm` (a prerequisite of `make test`)")
    return found


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_helm(), *args], capture_output=True, text=True, timeout=120, check=False)


def render(*extra: str) -> list[dict[str, Any]]:
    result = _run("template", "wairo", str(CHART), "--namespace", "wairo", "--include-crds", *extra)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def _sets(values: list[str]) -> list[str]:
    return [arg for value in values for arg in ("--set", value)]


VARIANTS = {
    "default": [],
    "gpu": ["-f", str(CHART / "values-gpu.yaml")],
    "secrets-from-values": _sets(SECRET_VALUES),
    "minimal": _sets(
        ["vision.enabled=false", "ingress.enabled=false", "config.kubernetesEnabled=false"]
        + [f"apis.{n}.autoscaling.enabled=false" for n in ("backoffice", "main", "media")]
    ),
    "monitoring": _sets(
        ["metrics.serviceMonitor.enabled=true", "metrics.serviceMonitor.labels.release=prom"]
    ),
    "no-metrics": _sets(["metrics.enabled=false", "metrics.serviceMonitor.enabled=true"]),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_helm_lint(variant: str) -> None:
    result = _run("lint", "--strict", str(CHART), *VARIANTS[variant])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_rendered_manifests_validate_against_kubernetes(variant: str) -> None:
    docs = render(*VARIANTS[variant])
    assert docs
    for doc in docs:
        if (doc["apiVersion"], doc["kind"]) in CUSTOM_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{doc['kind']} {doc['metadata'].get('name')}: {exc.message} at {list(exc.path)}")


def _by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def test_default_render_has_the_whole_platform() -> None:
    docs = render()
    deployments = _by_kind(docs, "Deployment")
    assert set(deployments) == {
        "wairo-api-backoffice",
        "wairo-api-main",
        "wairo-api-media",
        "wairo-worker",
        "wairo-beat",
        "wairo-operator",
    }
    assert set(_by_kind(docs, "HorizontalPodAutoscaler")) >= {"wairo-api-main", "wairo-worker"}
    assert set(_by_kind(docs, "PodDisruptionBudget")) >= {"wairo-api-media", "wairo-worker"}
    apis = {"wairo-api-backoffice", "wairo-api-main", "wairo-api-media"}
    assert set(_by_kind(docs, "Service")) == apis | {"wairo-worker", "wairo-vision-metrics"}
    assert "projects.wairo.io" in _by_kind(docs, "CustomResourceDefinition")
    assert "wairo-vision" in _by_kind(docs, "RayService")
    assert _by_kind(docs, "Secret") == {}  # existingSecret by default: no secret in values

    main = deployments["wairo-api-main"]["spec"]["template"]["spec"]
    container = main["containers"][0]
    assert container["command"] == ["uvicorn"]
    assert container["args"][:2] == ["api.apps.main:create_app", "--factory"]
    assert "--port=8002" in container["args"]
    assert "--no-access-log" in container["args"]  # the app logs each request itself (wairo.access)
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for c in pod["containers"]:
            assert c["securityContext"]["readOnlyRootFilesystem"] is True, name
            assert c["securityContext"]["capabilities"]["drop"] == ["ALL"], name
            assert c["resources"]["limits"], name

    job = _by_kind(docs, "Job")["wairo-migrate"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["wairo-server", "migrate"]

    operator = deployments["wairo-operator"]["spec"]["template"]["spec"]["containers"][0]
    assert operator["command"] == ["kopf", "run"]
    assert "--liveness=http://0.0.0.0:8080/healthz" in operator["args"]


def test_operator_rbac_is_least_privilege() -> None:
    roles = _by_kind(render(), "ClusterRole")
    rules = roles["wairo-operator"]["rules"]
    for rule in rules:
        assert "*" not in rule["verbs"] and "*" not in rule["resources"] and "*" not in rule["apiGroups"]
    granted = {(g, r) for rule in rules for g in rule["apiGroups"] for r in rule["resources"]}
    assert {("wairo.io", "projects"), ("wairo.io", "projects/status"), ("", "namespaces")} <= granted
    assert {("", "resourcequotas"), ("", "limitranges"), ("apps", "deployments"), ("", "events")} <= granted
    assert not any(rule["verbs"] == ["create"] and "projects" in rule["resources"] for rule in rules)
    provisioner = roles["wairo-provisioner"]["rules"]  # the worker's sync_project_resource jobs
    assert {r for rule in provisioner for r in rule["resources"]} == {"projects", "projects/status"}
    assert "watch" not in {v for rule in provisioner for v in rule["verbs"]}
    deployments = _by_kind(render(), "Deployment")
    assert (
        deployments["wairo-worker"]["spec"]["template"]["spec"]["serviceAccountName"] == "wairo-provisioner"
    )
    backoffice_pod = deployments["wairo-api-backoffice"]["spec"]["template"]["spec"]
    assert backoffice_pod["automountServiceAccountToken"] is False  # the API itself never calls Kubernetes


def test_secrets_from_values_and_required_checks() -> None:
    docs = render(*VARIANTS["secrets-from-values"])
    secrets = _by_kind(docs, "Secret")
    assert secrets["wairo-secrets"]["stringData"]["WAIRO_JWT_SECRET"].startswith("jwt-")
    hook = secrets["wairo-migrations"]
    assert hook["metadata"]["annotations"]["helm.sh/hook-weight"] == "-10"
    failed = _run("template", "wairo", str(CHART), "--set", "secrets.existingSecret=")
    assert failed.returncode != 0 and "secrets.databaseUrl is required" in failed.stderr


def _web_base_url(*extra: str, key: str = "WAIRO_WEB_BASE_URL") -> str:
    config: dict[str, str] = _by_kind(render(*extra), "ConfigMap")["wairo-config"]["data"]
    return config[key]


def test_web_base_url_follows_the_main_ingress_host() -> None:
    # Share links (/s/{token}) are served by the main API: by default links point at its host.
    assert _web_base_url() == "http://api.example.com"
    tls = ["--set", "ingress.tls[0].secretName=tls", "--set", "ingress.tls[0].hosts[0]=api.example.com"]
    assert _web_base_url(*tls) == "https://api.example.com"
    other = ["--set", "ingress.hosts.main=photos.example.org"]
    assert _web_base_url(*other) == "http://photos.example.org"
    assert _web_base_url("--set", "config.webBaseUrl=https://w.example.net/") == "https://w.example.net"


def test_media_base_url_follows_the_media_ingress_host() -> None:
    # The web pages upload selfies through the media API: they are told its public URL.
    key = "WAIRO_MEDIA_BASE_URL"
    assert _web_base_url(key=key) == "http://media.example.com"
    tls = ["--set", "ingress.tls[0].secretName=tls", "--set", "ingress.tls[0].hosts[0]=media.example.com"]
    assert _web_base_url(*tls, key=key) == "https://media.example.com"
    assert (
        _web_base_url("--set", "config.mediaBaseUrl=https://m.example.net/", key=key)
        == "https://m.example.net"
    )


def test_gpu_values_request_gpus() -> None:
    ray = _by_kind(render(*VARIANTS["gpu"]), "RayService")["wairo-vision"]
    group = ray["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]
    container = group["template"]["spec"]["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert group["rayStartParams"]["num-gpus"] == "1"
    toleration = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    assert toleration in group["template"]["spec"]["tolerations"]
    serve = yaml.safe_load(ray["spec"]["serveConfigV2"])
    app = serve["applications"][0]
    assert app["import_path"] == "vision.serve.app:app"
    assert app["runtime_env"]["env_vars"]["WAIRO_VISION_BACKEND"] == "insightface"


def test_rayservice_shape() -> None:
    ray = _by_kind(render(), "RayService")["wairo-vision"]
    assert ray["apiVersion"] == "ray.io/v1"
    cluster = ray["spec"]["rayClusterConfig"]
    head = cluster["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert {p["containerPort"] for p in head["ports"]} >= {6379, 8265, 8000}
    worker = cluster["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]
    assert "nvidia.com/gpu" not in worker["resources"]["limits"]  # CPU (dlib) by default
    pods = [cluster["headGroupSpec"]["template"]["spec"], cluster["workerGroupSpecs"][0]["template"]["spec"]]
    for pod in pods:
        # The Ray pods are ordinary pods: validate their PodSpec against the Kubernetes schema.
        manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ray"}, "spec": pod}
        kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)


def _crd() -> dict[str, Any]:
    crd: dict[str, Any] = yaml.safe_load(CRD_SOURCE.read_text())
    return crd


def test_crd_copies_do_not_drift() -> None:
    source = CRD_SOURCE.read_text()
    for copy in (CHART / "crds" / "project.yaml", ROOT / "manifests" / "crd.yaml"):
        assert copy.read_text() == source, f"{copy} drifted from crds/project.yaml: run `make crds-sync`"


def test_crd_is_valid_and_complete() -> None:
    crd = _crd()
    kubernetes_validate.validate(crd, K8S_VERSION, strict=True)
    assert crd["spec"]["scope"] == "Cluster" and crd["spec"]["names"]["shortNames"] == ["wproj"]
    version = crd["spec"]["versions"][0]
    assert version["subresources"] == {"status": {}}
    columns = {c["name"] for c in version["additionalPrinterColumns"]}
    assert {"Phase", "Namespace", "Bucket", "Age"} <= columns


def _project_schema() -> dict[str, Any]:
    schema: dict[str, Any] = _crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def _validator() -> jsonschema.Draft7Validator:
    # The openAPIV3Schema dialect is close to draft 7 for everything the CRD uses; the Kubernetes
    # extensions (x-kubernetes-*) are ignored as unknown keywords.
    return jsonschema.Draft7Validator(_project_schema(), format_checker=jsonschema.FormatChecker())


EXAMPLES = sorted((ROOT / "manifests" / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_projects_match_the_crd(path: Path) -> None:
    for doc in yaml.safe_load_all(path.read_text()):
        assert doc["apiVersion"] == "wairo.io/v1alpha1" and doc["kind"] == "Project"
        errors = [f"{list(e.path)}: {e.message}" for e in _validator().iter_errors(doc)]
        assert not errors, errors


def test_crd_schema_rejects_bad_projects() -> None:
    validator = _validator()
    good = yaml.safe_load(EXAMPLES[0].read_text())
    assert validator.is_valid(good)
    bad_specs: list[dict[str, Any]] = [
        {**good["spec"], "projectId": "not-a-uuid"},
        {**good["spec"], "lifecycle": "deleted"},
        {**good["spec"], "quota": {"maxPhotos": -1}},
        {**good["spec"], "quota": {"memory": "lots"}},
        {**good["spec"], "processing": {"dedicatedWorkers": 100}},
        {k: v for k, v in good["spec"].items() if k != "operatorId"},
    ]
    for spec in bad_specs:
        assert not validator.is_valid({**good, "spec": spec}), spec


def test_built_project_resource_matches_the_crd() -> None:
    from wairo_contracts.project import build_project_resource

    body = build_project_resource(
        "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
        "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "Gala",
        "live",
        max_photos=10,
        cpu="500m",
        memory="1Gi",
        gpu=0,
        retention_days=7,
        dedicated_workers=1,
    )
    assert not [e.message for e in _validator().iter_errors(body)]


# -- metrics -------------------------------------------------------------------------------------


def _labels_match(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return selector.items() <= labels.items()


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", [])}


def test_service_monitors() -> None:
    """None by default or without metrics; when enabled one per component, each selecting exactly
    one Service that has the port it scrapes, with the labels Prometheus selects them by."""
    assert _by_kind(render(), "ServiceMonitor") == {}
    assert _by_kind(render(*VARIANTS["no-metrics"]), "ServiceMonitor") == {}
    docs = render(*VARIANTS["monitoring"])
    monitors, services = _by_kind(docs, "ServiceMonitor"), _by_kind(docs, "Service")
    assert set(monitors) == {
        "wairo-api-backoffice",
        "wairo-api-main",
        "wairo-api-media",
        "wairo-worker",
        "wairo-vision-metrics",
    }
    for name, monitor in monitors.items():
        assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
        assert monitor["metadata"]["labels"]["release"] == "prom"
        selector = monitor["spec"]["selector"]["matchLabels"]
        (service,) = [s for s in services.values() if _labels_match(selector, s["metadata"]["labels"])]
        (endpoint,) = monitor["spec"]["endpoints"]
        assert endpoint["path"] == "/metrics" and endpoint["interval"] == "30s", name
        assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}, name


def test_metrics_wiring() -> None:
    """Every process of an API or worker pod writes to the same emptyDir; the worker's exporter,
    its Service and Ray's metrics export port agree; the vision Service selects every Ray node."""
    docs = render()
    deployments, services = _by_kind(docs, "Deployment"), _by_kind(docs, "Service")
    for name in ("wairo-api-main", "wairo-worker"):
        pod = deployments[name]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        directory = _env(container)["PROMETHEUS_MULTIPROC_DIR"]
        assert {"name": "metrics", "mountPath": directory} in container["volumeMounts"], name
        assert {"name": "metrics", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}} in pod["volumes"]
    worker = deployments["wairo-worker"]["spec"]["template"]["spec"]["containers"][0]
    port = int(_env(worker)["WAIRO_WORKER_METRICS_PORT"])
    assert {"name": "metrics", "containerPort": port, "protocol": "TCP"} in worker["ports"]
    assert services["wairo-worker"]["spec"]["ports"][0] == {
        "name": "metrics",
        "port": port,
        "targetPort": "metrics",
        "protocol": "TCP",
    }
    cluster = _by_kind(docs, "RayService")["wairo-vision"]["spec"]["rayClusterConfig"]
    selector = services["wairo-vision-metrics"]["spec"]["selector"]
    for group in (cluster["headGroupSpec"], *cluster["workerGroupSpecs"]):
        assert group["rayStartParams"]["metrics-export-port"] == "8080"
        assert _labels_match(selector, group["template"]["metadata"]["labels"])
        ports = group["template"]["spec"]["containers"][0]["ports"]
        assert {"name": "metrics", "containerPort": 8080} in ports

    off = _by_kind(render(*VARIANTS["no-metrics"]), "Deployment")["wairo-api-main"]
    assert "env" not in off["spec"]["template"]["spec"]["containers"][0]


def _exported_series() -> set[str]:
    """Every series name the code exports, as Prometheus sees it (a histogram's _bucket, _count and
    _sum, a counter's _total; Ray's `ray_` prefix on the vision replicas')."""
    from api.core import metrics as api_metrics
    from api.jobs import metrics as job_metrics
    from api.processing import metrics as pipeline_metrics
    from vision.serve import metrics as vision_metrics

    suffixes = {"histogram": ("_bucket", "_count", "_sum"), "counter": ("_total",)}
    names = {job_metrics.QUEUE_DEPTH}
    for metric in (api_metrics.REQUEST_SECONDS, job_metrics.JOBS, job_metrics.JOB_SECONDS):
        names |= {f.name + suffix for f in metric.collect() for suffix in suffixes[f.type]}
    names |= {
        f.name + suffix for f in pipeline_metrics.TIME_TO_READY.collect() for suffix in suffixes[f.type]
    }
    ray_histograms = (
        vision_metrics.BATCH_SIZE,
        vision_metrics.INFERENCE_SECONDS,
        vision_metrics.FACES_PER_PHOTO,
    )
    names |= {f"ray_{name}{suffix}" for name in ray_histograms for suffix in suffixes["histogram"]}
    names.add(f"ray_{vision_metrics.ITEMS}_total")
    return names


def test_grafana_dashboard() -> None:
    """A ConfigMap Grafana's sidecar loads; its JSON's queries name only exported metrics, and
    every family (requests, jobs, queue depth, time to ready, the vision replicas') has a panel."""
    dashboard = _by_kind(render(), "ConfigMap")["wairo-dashboard"]
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    board = json.loads(dashboard["data"]["wairo.json"])
    assert board["uid"] == "wairo-overview"
    panels = [p for p in board["panels"] if p["type"] != "row"]
    assert all(p["targets"] and p["datasource"]["uid"] == "${datasource}" for p in panels)
    queried = {
        name for p in panels for t in p["targets"] for name in re.findall(r"\b(?:ray_)?wairo_\w+", t["expr"])
    }
    exported = _exported_series()
    assert queried <= exported, queried - exported
    families = {re.sub(r"_(bucket|count|sum|total)$", "", name) for name in exported}
    assert {re.sub(r"_(bucket|count|sum|total)$", "", name) for name in queried} == families
    assert _by_kind(render("--set", "metrics.dashboard.enabled=false"), "ConfigMap").keys() == {
        "wairo-config"
    }
