"""token versions on accounts; the photo list's per-project index

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Every access token carries its account's `token_version`; a password reset bumps it, so tokens
issued before are refused without loading the account (api/core/token_versions.py).
`ix_photos_ready_sort` holds each project's ready photos in list order, so that a page of
`GET /v1/photos` reads one index range per project whatever the event's size.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACCOUNTS = ("operators", "photographers", "users")


def upgrade() -> None:
    for table in _ACCOUNTS:
        op.add_column(
            table, sa.Column("token_version", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    op.create_index(
        "ix_photos_ready_sort",
        "photos",
        ["project_id", sa.text("coalesce(taken_at, created_at)"), "id"],
        postgresql_where=sa.text("status = 'ready'"),
    )


def downgrade() -> None:
    op.drop_index("ix_photos_ready_sort", table_name="photos")
    for table in _ACCOUNTS:
        op.drop_column(table, "token_version")
