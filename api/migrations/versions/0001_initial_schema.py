"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "email_messages",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_messages")),
    )
    op.create_index(op.f("ix_email_messages_to_address"), "email_messages", ["to_address"], unique=False)
    op.create_table(
        "operators",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("address", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("billing_address", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="eur", nullable=False),
        sa.Column("locale", sa.String(length=35), server_default="en", nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("profile_picture_key", sa.String(length=512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("currency ~ '^[a-z]{3}$'", name=op.f("ck_operators_currency_iso")),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_operators_email_lower")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("email", name=op.f("uq_operators_email")),
    )
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("task", sa.String(length=128), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('job', 'email')", name=op.f("ck_outbox_messages_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_outbox_messages_dedup_key")),
    )
    op.create_index(
        "ix_outbox_messages_pending",
        "outbox_messages",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_stripe_events_event_id")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lower")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column(
            "consent_type", sa.String(length=64), server_default="biometric_processing", nullable=False
        ),
        sa.Column("consent_version", sa.String(length=64), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_consents_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(
        "uq_consents_live_per_user_type",
        "consents",
        ["user_id", "consent_type"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "discounts",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("bundle_min_photos", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "type <> 'bundle' OR bundle_min_photos >= 2", name=op.f("ck_discounts_bundle_min")
        ),
        sa.CheckConstraint("type = 'fixed' OR value <= 100", name=op.f("ck_discounts_percent_max")),
        sa.CheckConstraint("type IN ('percentage', 'fixed', 'bundle')", name=op.f("ck_discounts_type")),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from",
            name=op.f("ck_discounts_window"),
        ),
        sa.CheckConstraint("value > 0", name=op.f("ck_discounts_value_positive")),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_discounts_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discounts")),
    )
    op.create_index(op.f("ix_discounts_operator_id"), "discounts", ["operator_id"], unique=False)
    op.create_table(
        "password_reset_tokens",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_password_reset_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_tokens_token_hash")),
    )
    op.create_index("ix_password_reset_tokens_user_id", "password_reset_tokens", ["user_id"], unique=False)
    op.create_table(
        "photographers",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("profile_picture_key", sa.String(length=512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_photographers_email_lower")),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_photographers_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photographers")),
        sa.UniqueConstraint("email", name=op.f("uq_photographers_email")),
    )
    op.create_index(op.f("ix_photographers_operator_id"), "photographers", ["operator_id"], unique=False)
    op.create_table(
        "projects",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), server_default="private", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="draft", nullable=False),
        sa.Column("location_name", sa.String(length=300), nullable=True),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("project_link", sa.String(length=2048), nullable=True),
        sa.Column("terms_and_conditions", sa.Text(), nullable=True),
        sa.Column("max_photos", sa.Integer(), nullable=True),
        sa.Column("max_storage_bytes", sa.BigInteger(), nullable=True),
        sa.Column("bucket", sa.String(length=63), nullable=True),
        sa.Column("provisioning_phase", sa.String(length=32), server_default="Pending", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'live', 'closed', 'archived')", name=op.f("ck_projects_status")
        ),
        sa.CheckConstraint("type IN ('private', 'public')", name=op.f("ck_projects_type")),
        sa.CheckConstraint(
            "end_at IS NULL OR start_at IS NULL OR end_at >= start_at", name=op.f("ck_projects_dates")
        ),
        sa.CheckConstraint("max_photos IS NULL OR max_photos > 0", name=op.f("ck_projects_max_photos")),
        sa.CheckConstraint(
            "max_storage_bytes IS NULL OR max_storage_bytes > 0", name=op.f("ck_projects_max_storage")
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_projects_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    op.create_index(op.f("ix_projects_operator_id"), "projects", ["operator_id"], unique=False)
    op.create_table(
        "selfies",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("object_key", sa.String(length=512), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="pending_upload", nullable=False),
        sa.Column("rejection_reason", sa.String(length=64), nullable=True),
        sa.Column("model", sa.String(length=64), nullable=True),
        sa.Column("embedding_128", pgvector.sqlalchemy.vector.VECTOR(dim=128), nullable=True),
        sa.Column("embedding_512", pgvector.sqlalchemy.vector.VECTOR(dim=512), nullable=True),
        sa.Column("upload_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending_upload', 'uploaded', 'processing', 'approved', 'rejected', 'expired')",
            name=op.f("ck_selfies_status"),
        ),
        sa.CheckConstraint(
            "embedding_128 IS NULL OR embedding_512 IS NULL", name=op.f("ck_selfies_one_embedding")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_selfies_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selfies")),
        sa.UniqueConstraint("object_key", name=op.f("uq_selfies_object_key")),
    )
    op.create_index(op.f("ix_selfies_user_id"), "selfies", ["user_id"], unique=False)
    op.create_table(
        "invites",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "expires_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now() + interval '14 days'"),
            nullable=False,
        ),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_invites_email_lower")),
        sa.CheckConstraint("expires_at > created_at", name=op.f("ck_invites_expiry")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_invites_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invites_token_hash")),
    )
    op.create_index("ix_invites_project_id_email", "invites", ["project_id", "email"], unique=False)
    op.create_table(
        "photos",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("photographer_id", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="pending_upload", nullable=False),
        sa.Column("failure_reason", sa.String(length=500), nullable=True),
        sa.Column("original_key", sa.String(length=512), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("exif", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "variants",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("face_count", sa.Integer(), nullable=True),
        sa.Column("upload_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("jobs_enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending_upload', 'uploaded', 'processing', 'ready', 'failed', 'expired')",
            name=op.f("ck_photos_status"),
        ),
        sa.CheckConstraint("height IS NULL OR height > 0", name=op.f("ck_photos_height")),
        sa.CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name=op.f("ck_photos_size")),
        sa.CheckConstraint("width IS NULL OR width > 0", name=op.f("ck_photos_width")),
        sa.ForeignKeyConstraint(
            ["photographer_id"],
            ["photographers.id"],
            name=op.f("fk_photos_photographer_id_photographers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_photos_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
        sa.UniqueConstraint("original_key", name=op.f("uq_photos_original_key")),
    )
    op.create_index(op.f("ix_photos_photographer_id"), "photos", ["photographer_id"], unique=False)
    op.create_index("ix_photos_project_id_status", "photos", ["project_id", "status"], unique=False)
    op.create_index("ix_photos_project_id_taken_at", "photos", ["project_id", "taken_at"], unique=False)
    op.create_table(
        "pricing_rules",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=True),
        sa.Column("price_per_photo_cents", sa.Integer(), nullable=False),
        sa.Column("compare_at_price_cents", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "compare_at_price_cents IS NULL OR compare_at_price_cents >= 0",
            name=op.f("ck_pricing_rules_compare_at"),
        ),
        sa.CheckConstraint("price_per_photo_cents >= 0", name=op.f("ck_pricing_rules_price")),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from",
            name=op.f("ck_pricing_rules_window"),
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_pricing_rules_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_pricing_rules_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pricing_rules")),
    )
    op.create_index(
        "ix_pricing_rules_operator_id_project_id",
        "pricing_rules",
        ["operator_id", "project_id"],
        unique=False,
    )
    op.create_table(
        "project_discounts",
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("discount_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["discount_id"],
            ["discounts.id"],
            name=op.f("fk_project_discounts_discount_id_discounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_discounts_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "discount_id", name=op.f("pk_project_discounts")),
    )
    op.create_index(
        op.f("ix_project_discounts_discount_id"), "project_discounts", ["discount_id"], unique=False
    )
    op.create_table(
        "project_photographers",
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("photographer_id", sa.UUID(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["photographer_id"],
            ["photographers.id"],
            name=op.f("fk_project_photographers_photographer_id_photographers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_photographers_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "photographer_id", name=op.f("pk_project_photographers")),
    )
    op.create_index(
        op.f("ix_project_photographers_photographer_id"),
        "project_photographers",
        ["photographer_id"],
        unique=False,
    )
    op.create_table(
        "promo_codes",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("operator_id", sa.UUID(), nullable=False),
        sa.Column("discount_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("max_uses_per_user", sa.Integer(), nullable=True),
        sa.Column("used_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("code = upper(code)", name=op.f("ck_promo_codes_code_upper")),
        sa.CheckConstraint("max_uses IS NULL OR max_uses > 0", name=op.f("ck_promo_codes_max_uses")),
        sa.CheckConstraint("max_uses IS NULL OR used_count <= max_uses", name=op.f("ck_promo_codes_cap")),
        sa.CheckConstraint(
            "max_uses_per_user IS NULL OR max_uses_per_user > 0",
            name=op.f("ck_promo_codes_max_uses_per_user"),
        ),
        sa.CheckConstraint("used_count >= 0", name=op.f("ck_promo_codes_used_count")),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from",
            name=op.f("ck_promo_codes_window"),
        ),
        sa.ForeignKeyConstraint(
            ["discount_id"],
            ["discounts.id"],
            name=op.f("fk_promo_codes_discount_id_discounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_promo_codes_operator_id_operators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_codes")),
        sa.UniqueConstraint("operator_id", "code", name=op.f("uq_promo_codes_operator_id_code")),
    )
    op.create_index(op.f("ix_promo_codes_discount_id"), "promo_codes", ["discount_id"], unique=False)
    op.create_table(
        "terms_versions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "effective_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint("version > 0", name=op.f("ck_terms_versions_version_positive")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_terms_versions_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terms_versions")),
        sa.UniqueConstraint("project_id", "version", name=op.f("uq_terms_versions_project_id_version")),
    )
    op.create_table(
        "faces",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("photo_id", sa.UUID(), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("box", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("landmarks", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("embedding_128", pgvector.sqlalchemy.vector.VECTOR(dim=128), nullable=True),
        sa.Column("embedding_512", pgvector.sqlalchemy.vector.VECTOR(dim=512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(embedding_128 IS NULL) <> (embedding_512 IS NULL)", name=op.f("ck_faces_one_embedding")
        ),
        sa.CheckConstraint("score >= 0", name=op.f("ck_faces_score")),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_faces_photo_id_photos"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_faces_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faces")),
    )
    op.create_index(
        "ix_faces_embedding_128_hnsw",
        "faces",
        ["embedding_128"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_ops={"embedding_128": "vector_cosine_ops"},
    )
    op.create_index(
        "ix_faces_embedding_512_hnsw",
        "faces",
        ["embedding_512"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_ops={"embedding_512": "vector_cosine_ops"},
    )
    op.create_index(op.f("ix_faces_photo_id"), "faces", ["photo_id"], unique=False)
    op.create_index("ix_faces_project_id_model", "faces", ["project_id", "model"], unique=False)
    op.create_table(
        "favourites",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("photo_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_favourites_photo_id_photos"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_favourites_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "photo_id", name=op.f("pk_favourites")),
    )
    op.create_index(op.f("ix_favourites_photo_id"), "favourites", ["photo_id"], unique=False)
    op.create_table(
        "project_members",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("terms_version_id", sa.UUID(), nullable=True),
        sa.Column("qr_token_jti", sa.String(length=64), nullable=False),
        sa.Column("qr_token_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_members_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["terms_version_id"],
            ["terms_versions.id"],
            name=op.f("fk_project_members_terms_version_id_terms_versions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_project_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_members")),
        sa.UniqueConstraint("qr_token_jti", name=op.f("uq_project_members_qr_token_jti")),
        sa.UniqueConstraint("user_id", "project_id", name=op.f("uq_project_members_user_id_project_id")),
    )
    op.create_index(op.f("ix_project_members_project_id"), "project_members", ["project_id"], unique=False)
    op.create_table(
        "purchases",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("photo_count", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("subtotal_cents", sa.Integer(), nullable=False),
        sa.Column("discount_applied_cents", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("discount_id", sa.UUID(), nullable=True),
        sa.Column("promo_code_id", sa.UUID(), nullable=True),
        sa.Column("applied_promo_code", sa.String(length=64), nullable=True),
        sa.Column("stripe_payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmation_emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'failed', 'refunded')", name=op.f("ck_purchases_status")
        ),
        sa.CheckConstraint("discount_applied_cents >= 0", name=op.f("ck_purchases_discount")),
        sa.CheckConstraint("photo_count BETWEEN 1 AND 100", name=op.f("ck_purchases_photo_count")),
        sa.CheckConstraint("subtotal_cents >= 0", name=op.f("ck_purchases_subtotal")),
        sa.CheckConstraint(
            "total_cents = subtotal_cents - discount_applied_cents", name=op.f("ck_purchases_total")
        ),
        sa.CheckConstraint("total_cents >= 0", name=op.f("ck_purchases_total_nonnegative")),
        sa.ForeignKeyConstraint(
            ["discount_id"],
            ["discounts.id"],
            name=op.f("fk_purchases_discount_id_discounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_purchases_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["promo_code_id"],
            ["promo_codes.id"],
            name=op.f("fk_purchases_promo_code_id_promo_codes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_purchases_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchases")),
        sa.UniqueConstraint("stripe_payment_intent_id", name=op.f("uq_purchases_stripe_payment_intent_id")),
    )
    op.create_index("ix_purchases_project_id_status", "purchases", ["project_id", "status"], unique=False)
    op.create_index("ix_purchases_user_id", "purchases", ["user_id"], unique=False)
    op.create_table(
        "share_links",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("photo_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_share_links_photo_id_photos"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_share_links_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_share_links_token_hash")),
    )
    op.create_index("ix_share_links_photo_id_user_id", "share_links", ["photo_id", "user_id"], unique=False)
    op.create_table(
        "tag_reports",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("photo_id", sa.UUID(), nullable=False),
        sa.Column("report_type", sa.String(length=32), nullable=False),
        sa.Column("resolved", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "report_type IN ('incorrect_tag', 'missing_tag')", name=op.f("ck_tag_reports_report_type")
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_tag_reports_photo_id_photos"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tag_reports_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_reports")),
        sa.UniqueConstraint(
            "user_id", "photo_id", "report_type", name=op.f("uq_tag_reports_user_id_photo_id_report_type")
        ),
    )
    op.create_index(op.f("ix_tag_reports_photo_id"), "tag_reports", ["photo_id"], unique=False)
    op.create_table(
        "upload_sessions",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("photo_id", sa.UUID(), nullable=False),
        sa.Column("s3_upload_id", sa.String(length=1024), nullable=False),
        sa.Column("object_key", sa.String(length=512), nullable=False),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False),
        sa.Column("part_size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "state IN ('active', 'completed', 'aborted')", name=op.f("ck_upload_sessions_state")
        ),
        sa.CheckConstraint("part_size_bytes >= 5242880", name=op.f("ck_upload_sessions_part_size")),
        sa.CheckConstraint("total_bytes > 0", name=op.f("ck_upload_sessions_total_bytes")),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_upload_sessions_photo_id_photos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_sessions")),
        sa.UniqueConstraint("photo_id", name=op.f("uq_upload_sessions_photo_id")),
    )
    op.create_table(
        "photo_tags",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("photo_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("face_id", sa.UUID(), nullable=True),
        sa.Column("source", sa.String(length=16), server_default="auto", nullable=False),
        sa.Column("distance", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("source IN ('auto', 'confirmed')", name=op.f("ck_photo_tags_source")),
        sa.ForeignKeyConstraint(
            ["face_id"], ["faces.id"], name=op.f("fk_photo_tags_face_id_faces"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_photo_tags_photo_id_photos"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_photo_tags_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_tags")),
    )
    op.create_index("ix_photo_tags_photo_id", "photo_tags", ["photo_id"], unique=False)
    op.create_index(
        "uq_photo_tags_live_user_photo",
        "photo_tags",
        ["user_id", "photo_id"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "promo_code_usages",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("promo_code_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("purchase_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["promo_code_id"],
            ["promo_codes.id"],
            name=op.f("fk_promo_code_usages_promo_code_id_promo_codes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["purchases.id"],
            name=op.f("fk_promo_code_usages_purchase_id_purchases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_promo_code_usages_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promo_code_usages")),
        sa.UniqueConstraint("purchase_id", name=op.f("uq_promo_code_usages_purchase_id")),
    )
    op.create_index(
        "ix_promo_code_usages_promo_code_id_user_id",
        "promo_code_usages",
        ["promo_code_id", "user_id"],
        unique=False,
    )
    op.create_table(
        "purchase_downloads",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("purchase_id", sa.UUID(), nullable=False),
        sa.Column("photo_id", sa.UUID(), nullable=False),
        sa.Column("download_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photos.id"],
            name=op.f("fk_purchase_downloads_photo_id_photos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["purchases.id"],
            name=op.f("fk_purchase_downloads_purchase_id_purchases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_downloads")),
        sa.UniqueConstraint(
            "purchase_id", "photo_id", name=op.f("uq_purchase_downloads_purchase_id_photo_id")
        ),
    )
    op.create_index("ix_purchase_downloads_photo_id", "purchase_downloads", ["photo_id"], unique=False)
    op.create_table(
        "purchase_items",
        sa.Column("purchase_id", sa.UUID(), nullable=False),
        sa.Column("photo_id", sa.UUID(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_purchase_items_photo_id_photos"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["purchase_id"],
            ["purchases.id"],
            name=op.f("fk_purchase_items_purchase_id_purchases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("purchase_id", "photo_id", name=op.f("pk_purchase_items")),
    )
    op.create_index(op.f("ix_purchase_items_photo_id"), "purchase_items", ["photo_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_purchase_items_photo_id"), table_name="purchase_items")
    op.drop_table("purchase_items")
    op.drop_index("ix_purchase_downloads_photo_id", table_name="purchase_downloads")
    op.drop_table("purchase_downloads")
    op.drop_index("ix_promo_code_usages_promo_code_id_user_id", table_name="promo_code_usages")
    op.drop_table("promo_code_usages")
    op.drop_index(
        "uq_photo_tags_live_user_photo",
        table_name="photo_tags",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index("ix_photo_tags_photo_id", table_name="photo_tags")
    op.drop_table("photo_tags")
    op.drop_table("upload_sessions")
    op.drop_index(op.f("ix_tag_reports_photo_id"), table_name="tag_reports")
    op.drop_table("tag_reports")
    op.drop_index("ix_share_links_photo_id_user_id", table_name="share_links")
    op.drop_table("share_links")
    op.drop_index("ix_purchases_user_id", table_name="purchases")
    op.drop_index("ix_purchases_project_id_status", table_name="purchases")
    op.drop_table("purchases")
    op.drop_index(op.f("ix_project_members_project_id"), table_name="project_members")
    op.drop_table("project_members")
    op.drop_index(op.f("ix_favourites_photo_id"), table_name="favourites")
    op.drop_table("favourites")
    op.drop_index("ix_faces_project_id_model", table_name="faces")
    op.drop_index(op.f("ix_faces_photo_id"), table_name="faces")
    op.drop_index(
        "ix_faces_embedding_512_hnsw",
        table_name="faces",
        postgresql_using="hnsw",
        postgresql_ops={"embedding_512": "vector_cosine_ops"},
    )
    op.drop_index(
        "ix_faces_embedding_128_hnsw",
        table_name="faces",
        postgresql_using="hnsw",
        postgresql_ops={"embedding_128": "vector_cosine_ops"},
    )
    op.drop_table("faces")
    op.drop_table("terms_versions")
    op.drop_index(op.f("ix_promo_codes_discount_id"), table_name="promo_codes")
    op.drop_table("promo_codes")
    op.drop_index(op.f("ix_project_photographers_photographer_id"), table_name="project_photographers")
    op.drop_table("project_photographers")
    op.drop_index(op.f("ix_project_discounts_discount_id"), table_name="project_discounts")
    op.drop_table("project_discounts")
    op.drop_index("ix_pricing_rules_operator_id_project_id", table_name="pricing_rules")
    op.drop_table("pricing_rules")
    op.drop_index("ix_photos_project_id_taken_at", table_name="photos")
    op.drop_index("ix_photos_project_id_status", table_name="photos")
    op.drop_index(op.f("ix_photos_photographer_id"), table_name="photos")
    op.drop_table("photos")
    op.drop_index("ix_invites_project_id_email", table_name="invites")
    op.drop_table("invites")
    op.drop_index(op.f("ix_selfies_user_id"), table_name="selfies")
    op.drop_table("selfies")
    op.drop_index(op.f("ix_projects_operator_id"), table_name="projects")
    op.drop_table("projects")
    op.drop_index(op.f("ix_photographers_operator_id"), table_name="photographers")
    op.drop_table("photographers")
    op.drop_index("ix_password_reset_tokens_user_id", table_name="password_reset_tokens")
    op.drop_table("password_reset_tokens")
    op.drop_index(op.f("ix_discounts_operator_id"), table_name="discounts")
    op.drop_table("discounts")
    op.drop_index(
        "uq_consents_live_per_user_type",
        table_name="consents",
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.drop_table("consents")
    op.drop_table("users")
    op.drop_table("stripe_events")
    op.drop_index(
        "ix_outbox_messages_pending",
        table_name="outbox_messages",
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.drop_table("outbox_messages")
    op.drop_table("operators")
    op.drop_index(op.f("ix_email_messages_to_address"), table_name="email_messages")
    op.drop_table("email_messages")
