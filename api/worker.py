"""Moved to api/jobs/worker.py. Kept while callers outside this change still name it: the worker
Deployments the operator builds (`celery -A api.worker.celery_app`, operator/wairo_operator/
builders.py, and those already running in clusters), `wairo up` (api/stack/components.py) and
api/provisioning/tasks.py. Delete it once they use api.jobs.worker."""

from api.jobs.worker import celery_app

__all__ = ["celery_app"]
