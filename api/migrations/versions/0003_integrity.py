"""what was bought survives deletions; checkout cancellation and cap overruns; stuck photos; storage sweep

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

- `purchases.operator_id` and `purchases.project_name` (backfilled): a purchase keeps who sold it and
  the project's name; `purchases.project_id` becomes NULL when the project is deleted.
- `purchase_items.photo_id`, `purchase_downloads.photo_id`, `share_links.photo_id` lose their foreign
  keys to `photos` (deleting a photo no longer cascades what was bought); `purchase_items` gains the
  photo's name and the retained watermarked object's bucket and key.
- Purchase status `canceled` (superseded checkout); `promo_codes.overrun_count`, and the cap check
  allows exactly the recorded overruns.
- `photos.processing_started_at`; `storage_sweep_cursors` (the orphan sweep's position per prefix).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_STATUSES = "status IN ('pending', 'paid', 'failed', 'refunded')"
_NEW_STATUSES = "status IN ('pending', 'paid', 'failed', 'refunded', 'canceled')"


def _purchases_project_fk(*, nullable: bool, ondelete: str) -> None:
    op.drop_constraint(op.f("fk_purchases_project_id_projects"), "purchases", type_="foreignkey")
    op.alter_column("purchases", "project_id", nullable=nullable)
    op.create_foreign_key(
        op.f("fk_purchases_project_id_projects"),
        "purchases",
        "projects",
        ["project_id"],
        ["id"],
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.add_column("purchases", sa.Column("operator_id", sa.UUID(), nullable=True))
    op.add_column("purchases", sa.Column("project_name", sa.String(length=200), nullable=True))
    op.execute(
        "UPDATE purchases SET operator_id = projects.operator_id, project_name = projects.name "
        "FROM projects WHERE projects.id = purchases.project_id"
    )
    op.alter_column("purchases", "operator_id", nullable=False)
    op.alter_column("purchases", "project_name", nullable=False)
    op.create_foreign_key(
        op.f("fk_purchases_operator_id_operators"),
        "purchases",
        "operators",
        ["operator_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_index("ix_purchases_operator_id_created_at", "purchases", ["operator_id", "created_at"])
    _purchases_project_fk(nullable=True, ondelete="SET NULL")
    op.drop_constraint(op.f("ck_purchases_status"), "purchases", type_="check")
    op.create_check_constraint(op.f("ck_purchases_status"), "purchases", _NEW_STATUSES)

    op.drop_constraint(op.f("fk_purchase_items_photo_id_photos"), "purchase_items", type_="foreignkey")
    op.add_column("purchase_items", sa.Column("photo_name", sa.String(length=255), nullable=True))
    op.add_column("purchase_items", sa.Column("retained_bucket", sa.String(length=63), nullable=True))
    op.add_column("purchase_items", sa.Column("retained_key", sa.String(length=512), nullable=True))
    op.execute(
        "UPDATE purchase_items SET photo_name = photos.file_name FROM photos "
        "WHERE photos.id = purchase_items.photo_id"
    )
    op.drop_constraint(
        op.f("fk_purchase_downloads_photo_id_photos"), "purchase_downloads", type_="foreignkey"
    )
    op.drop_constraint(op.f("fk_share_links_photo_id_photos"), "share_links", type_="foreignkey")

    op.add_column(
        "promo_codes", sa.Column("overrun_count", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_promo_codes_overrun_count"),
        "promo_codes",
        "overrun_count >= 0 AND overrun_count <= used_count",
    )
    op.drop_constraint(op.f("ck_promo_codes_cap"), "promo_codes", type_="check")
    op.create_check_constraint(
        op.f("ck_promo_codes_cap"),
        "promo_codes",
        "max_uses IS NULL OR used_count <= max_uses + overrun_count",
    )

    op.add_column("photos", sa.Column("processing_started_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "storage_sweep_cursors",
        sa.Column("bucket", sa.String(length=63), nullable=False),
        sa.Column("prefix", sa.String(length=128), nullable=False),
        sa.Column("after_key", sa.String(length=1024), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "prefix", name=op.f("pk_storage_sweep_cursors")),
    )


def downgrade() -> None:
    op.drop_table("storage_sweep_cursors")
    op.drop_column("photos", "processing_started_at")

    op.drop_constraint(op.f("ck_promo_codes_cap"), "promo_codes", type_="check")
    op.execute("UPDATE promo_codes SET used_count = max_uses WHERE used_count > max_uses")
    op.create_check_constraint(
        op.f("ck_promo_codes_cap"), "promo_codes", "max_uses IS NULL OR used_count <= max_uses"
    )
    op.drop_constraint(op.f("ck_promo_codes_overrun_count"), "promo_codes", type_="check")
    op.drop_column("promo_codes", "overrun_count")

    # Rows whose photo or project is gone cannot get their foreign keys back.
    op.execute("DELETE FROM share_links WHERE photo_id NOT IN (SELECT id FROM photos)")
    op.create_foreign_key(
        op.f("fk_share_links_photo_id_photos"),
        "share_links",
        "photos",
        ["photo_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.execute("DELETE FROM purchases WHERE project_id IS NULL")
    op.execute("DELETE FROM purchase_downloads WHERE photo_id NOT IN (SELECT id FROM photos)")
    op.create_foreign_key(
        op.f("fk_purchase_downloads_photo_id_photos"),
        "purchase_downloads",
        "photos",
        ["photo_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.execute("DELETE FROM purchase_items WHERE photo_id NOT IN (SELECT id FROM photos)")
    op.drop_column("purchase_items", "retained_key")
    op.drop_column("purchase_items", "retained_bucket")
    op.drop_column("purchase_items", "photo_name")
    op.create_foreign_key(
        op.f("fk_purchase_items_photo_id_photos"),
        "purchase_items",
        "photos",
        ["photo_id"],
        ["id"],
        ondelete="CASCADE",
    )

    op.execute("UPDATE purchases SET status = 'failed' WHERE status = 'canceled'")
    op.drop_constraint(op.f("ck_purchases_status"), "purchases", type_="check")
    op.create_check_constraint(op.f("ck_purchases_status"), "purchases", _OLD_STATUSES)
    _purchases_project_fk(nullable=False, ondelete="CASCADE")
    op.drop_index("ix_purchases_operator_id_created_at", table_name="purchases")
    op.drop_constraint(op.f("fk_purchases_operator_id_operators"), "purchases", type_="foreignkey")
    op.drop_column("purchases", "project_name")
    op.drop_column("purchases", "operator_id")
