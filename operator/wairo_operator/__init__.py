"""Wairo's Kubernetes operator: reconciles `Project` custom resources (see wairo_contracts.project).

Run it with ``kopf run -m wairo_operator.main --all-namespaces --standalone``.
"""
