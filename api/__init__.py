"""Wairo's three APIs (backoffice, main, media), their shared domain layer and the workers."""
