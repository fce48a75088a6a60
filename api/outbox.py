"""Moved to api/jobs/outbox.py. Kept only for api/provisioning/kubernetes.py, which imports it from
here until its own change switches the import (then delete this module)."""

from api.jobs.outbox import enqueue_job

__all__ = ["enqueue_job"]
