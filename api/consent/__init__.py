"""Biometric consent: given, listed and revoked (with the cascade of design.md)."""
