"""photo metadata: title, tags, visibility and the client's SHA-256, one stored photo per hash

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09

`PATCH /v1/photos/{photoId}` sets `title`, `tags` and `visibility` (a hidden photo is kept but
never shown to attendees). Upload URLs may carry the client's SHA-256 of the file
(`client_sha256`): `uq_photos_client_sha256` keeps one stored photo (uploaded, processing or
ready) per hash and project, so two uploads of the same file racing each other store one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# api.models.photos.STORED_STATUSES when this was written.
_STORED = "status IN ('uploaded', 'processing', 'ready')"


def upgrade() -> None:
    op.add_column("photos", sa.Column("title", sa.String(length=200), nullable=True))
    op.add_column(
        "photos",
        sa.Column("tags", sa.ARRAY(sa.String(length=32)), server_default=sa.text("'{}'"), nullable=False),
    )
    op.add_column(
        "photos", sa.Column("visibility", sa.String(length=8), server_default="visible", nullable=False)
    )
    op.add_column("photos", sa.Column("client_sha256", sa.String(length=64), nullable=True))
    op.create_check_constraint(op.f("ck_photos_visibility"), "photos", "visibility IN ('visible', 'hidden')")
    op.create_index(
        "uq_photos_client_sha256",
        "photos",
        ["project_id", "client_sha256"],
        unique=True,
        postgresql_where=sa.text(f"client_sha256 IS NOT NULL AND {_STORED}"),
    )


def downgrade() -> None:
    op.drop_index("uq_photos_client_sha256", table_name="photos")
    op.drop_constraint(op.f("ck_photos_visibility"), "photos", type_="check")
    for column in ("client_sha256", "visibility", "tags", "title"):
        op.drop_column("photos", column)
