"""a discount is not deleted while promo codes point at it

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

`promo_codes.discount_id` no longer cascades: deleting a discount that promo codes use fails in the
database too (the backoffice answers 409 `discount_in_use` before that). NO ACTION, not RESTRICT,
so deleting an operator still removes its discounts and promo codes in one statement.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_promo_codes_discount_id_discounts"


def _recreate(ondelete: str | None) -> None:
    op.drop_constraint(op.f(_FK), "promo_codes", type_="foreignkey")
    op.create_foreign_key(op.f(_FK), "promo_codes", "discounts", ["discount_id"], ["id"], ondelete=ondelete)


def upgrade() -> None:
    _recreate(None)


def downgrade() -> None:
    _recreate("CASCADE")
