"""Provisioning without Kubernetes: every project lives in the platform bucket."""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError

from api.core.storage import ensure_bucket
from api.models import Project
from wairo_contracts.project import Phase

log = logging.getLogger("wairo.provisioning")


class LocalProvisioner:
    """No Kubernetes: every project lives in the platform bucket, which this makes sure exists."""

    def project_created(self, project: Project) -> None:
        self._ensure_storage(project)

    def status_changed(self, project: Project) -> None:
        if project.provisioning_phase != Phase.READY:
            self._ensure_storage(project)

    def project_deleted(self, project: Project) -> None:
        """Nothing to tear down: the objects go with the `delete_objects` job."""

    def ready_for_uploads(self, phase: str) -> bool:
        return True  # the platform bucket (a failed bucket creation shows at the PUT, and is retried)

    @staticmethod
    def _ensure_storage(project: Project) -> None:
        try:
            ensure_bucket(project.bucket)
        except (BotoCoreError, ClientError):
            # The project itself is saved; a later status change retries the bucket.
            log.warning("could not provision storage for project %s", project.id, exc_info=True)
            project.provisioning_phase = Phase.FAILED
            return
        project.provisioning_phase = Phase.READY
