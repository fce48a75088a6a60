"""Wairo's Kubernetes operator: reconciles `Project` custom resources (group wairo.io).

Run it with ``kopf run -m wairo_operator.main --all-namespaces --standalone``.
"""

GROUP = "wairo.io"
VERSION = "v1alpha1"
PLURAL = "projects"
KIND = "Project"
API_VERSION = f"{GROUP}/{VERSION}"

__all__ = ["API_VERSION", "GROUP", "KIND", "PLURAL", "VERSION"]
