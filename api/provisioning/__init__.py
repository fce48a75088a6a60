"""Project infrastructure provisioning: the bucket (and, in a cluster, the `Project` custom resource).

The backoffice calls the provisioner when a project is created, changes status or is deleted.
`get_provisioner()` picks the implementation from `settings.kubernetes_enabled`:
`local.LocalProvisioner`, or `kubernetes.KubernetesProvisioner` (the Project CR, reconciled by the
operator).
"""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from api.models import Project
from api.provisioning.kubernetes import KubernetesProvisioner
from api.provisioning.local import LocalProvisioner
from api.settings import get_settings

__all__ = ["LocalProvisioner", "Provisioner", "ProvisionerDep", "get_provisioner"]


class Provisioner(Protocol):
    def project_created(self, project: Project) -> None: ...

    def status_changed(self, project: Project) -> None: ...

    def project_deleted(self, project: Project) -> None: ...

    def ready_for_uploads(self, phase: str) -> bool:
        """Whether the storage of a project in provisioning `phase` exists (the media API refuses
        upload URLs until then)."""
        ...


def get_provisioner() -> Provisioner:
    """The provisioner for this process: local unless Kubernetes integration is enabled."""
    if get_settings().kubernetes_enabled:
        return KubernetesProvisioner()
    return LocalProvisioner()


async def _provisioner_dependency() -> Provisioner:
    """`get_provisioner` as a dependency; async (it does no I/O) so that FastAPI calls it on the event
    loop instead of handing it to a worker thread."""
    return get_provisioner()


ProvisionerDep = Annotated[Provisioner, Depends(_provisioner_dependency)]
