"""The one way a process finds the Kubernetes API (needs the `kubernetes` package)."""

from __future__ import annotations

from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException


def load_api_client(
    configuration: client.Configuration | None = None, kubeconfig: str = ""
) -> client.ApiClient:
    """An API client from an explicit configuration, the ``kubeconfig`` file, in-cluster config, or
    the default kubeconfig (in that order)."""
    if configuration is not None:
        return client.ApiClient(configuration)
    loaded = client.Configuration()
    if kubeconfig:
        config.load_kube_config(config_file=kubeconfig, client_configuration=loaded)
        return client.ApiClient(loaded)
    try:
        config.load_incluster_config(client_configuration=loaded)
    except ConfigException:
        config.load_kube_config(client_configuration=loaded)
    return client.ApiClient(loaded)
