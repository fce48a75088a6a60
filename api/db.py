"""Moved to api/core/db.py. Kept only for api/provisioning/tasks.py, which imports it from here
until its own change switches the import (then delete this module)."""

from api.core.db import get_engine, get_sessionmaker, make_engine, normalise_url, session_scope

__all__ = ["get_engine", "get_sessionmaker", "make_engine", "normalise_url", "session_scope"]
