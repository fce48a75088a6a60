"""albums: ordered sets of a project's photos

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

`albums` (a project's, one per name whatever its case: `uq_albums_project_id_lower_name`) and
`album_photos` (a photo may be in several albums; `ix_album_photos_photo_id` serves the deletion
cascade of a photo and the search's `album:` qualifier). Both go with their project and photos.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "albums",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_albums_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_albums")),
    )
    op.create_index(
        "uq_albums_project_id_lower_name", "albums", ["project_id", sa.text("lower(name)")], unique=True
    )
    op.create_table(
        "album_photos",
        sa.Column("album_id", sa.UUID(), nullable=False),
        sa.Column("photo_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["album_id"], ["albums.id"], name=op.f("fk_album_photos_album_id_albums"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_album_photos_photo_id_photos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("album_id", "photo_id", name=op.f("pk_album_photos")),
    )
    op.create_index("ix_album_photos_photo_id", "album_photos", ["photo_id"])


def downgrade() -> None:
    op.drop_table("album_photos")
    op.drop_table("albums")
