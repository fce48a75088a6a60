"""Entry point: ``kopf run -m wairo_operator.main --all-namespaces --standalone --liveness=http://0.0.0.0:8080/healthz``.

Importing this module registers the handlers on kopf's default registry, with settings read from
the ``WAIRO_*`` environment variables. Kubernetes credentials come from kopf's default login
(in-cluster service account, or the kubeconfig).
"""

from __future__ import annotations

import kopf

from .config import OperatorConfig
from .handlers import ProjectOperator

OPERATOR = ProjectOperator(OperatorConfig())
OPERATOR.register(kopf.get_default_registry())
