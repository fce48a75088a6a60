"""Project infrastructure provisioning: the bucket (and, in a cluster, the `Project` custom resource).

The backoffice calls the provisioner when a project is created, changes status or is deleted.
`get_provisioner()` picks the implementation from `settings.kubernetes_enabled`: the local one
below, or `kubernetes.KubernetesProvisioner` (the Project CR, reconciled by the operator).
"""

from __future__ import annotations

import logging
from typing import Annotated, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from fastapi import Depends

from api.core.storage import ensure_bucket
from api.models import Project
from api.settings import get_settings

log = logging.getLogger("wairo.provisioning")

READY = "Ready"
FAILED = "Failed"


class Provisioner(Protocol):
    def project_created(self, project: Project) -> None: ...

    def status_changed(self, project: Project) -> None: ...

    def project_deleted(self, project: Project) -> None: ...

    def ready_for_uploads(self, project: Project) -> bool:
        """Whether the project's storage exists (the media API refuses upload URLs until then)."""
        ...


class LocalProvisioner:
    """No Kubernetes: every project lives in the platform bucket, which this makes sure exists."""

    def project_created(self, project: Project) -> None:
        self._ensure_storage(project)

    def status_changed(self, project: Project) -> None:
        if project.provisioning_phase != READY:
            self._ensure_storage(project)

    def project_deleted(self, project: Project) -> None:
        """Nothing to tear down: the objects go with the `delete_objects` job."""

    def ready_for_uploads(self, project: Project) -> bool:
        return True  # the platform bucket (a failed bucket creation shows at the PUT, and is retried)

    @staticmethod
    def _ensure_storage(project: Project) -> None:
        try:
            ensure_bucket(project.bucket)
        except (BotoCoreError, ClientError):
            # The project itself is saved; a later status change retries the bucket.
            log.warning("could not provision storage for project %s", project.id, exc_info=True)
            project.provisioning_phase = FAILED
            return
        project.provisioning_phase = READY


def get_provisioner() -> Provisioner:
    """The provisioner for this process: local unless Kubernetes integration is enabled."""
    if get_settings().kubernetes_enabled:
        from api.provisioning.kubernetes import KubernetesProvisioner

        return KubernetesProvisioner()
    return LocalProvisioner()


ProvisionerDep = Annotated[Provisioner, Depends(get_provisioner)]
