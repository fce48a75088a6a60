"""Cross-cutting pieces shared by the three apps: errors, security, request context, storage."""
