"""Background jobs: the Celery application (`worker`), the transactional outbox that services write
jobs and mail to (`outbox`, with each job's queue chosen by `routing`), its relay to the broker
(after every commit, and by beat in `tasks`), and the sending of queued mail (`mail`).

Domains depend on this package (they enqueue jobs and define their own `tasks.py`); it depends on
no domain, only on api.core, api.models and api.settings."""
