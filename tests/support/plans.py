"""EXPLAIN of statements recorded from SQLAlchemy's `before_cursor_execute` (the driver's SQL and
parameters, run as they were sent)."""

from __future__ import annotations

from typing import Any

import psycopg
from sqlalchemy.orm import Session


def explain(db: Session, statements: list[tuple[str, Any]]) -> list[str]:
    raw = db.connection().connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    with raw.cursor() as cur:
        return [
            "\n".join(str(r[0]) for r in cur.execute(f"EXPLAIN {s}", p).fetchall()) for s, p in statements
        ]
