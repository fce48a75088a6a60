"""dedicated project queues; a photo quota of zero

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

- `projects.dedicated_workers`: copied from the Project CR's `spec.processing.dedicatedWorkers`;
  when > 0 the project's jobs go to its own queue (`wairo.project.<id>`).
- `outbox_messages.queue`: the queue a job is published to (NULL: the shared queue).
- `projects.max_photos` may be 0 (the CRD allows it: no more uploads).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "projects", sa.Column("dedicated_workers", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.create_check_constraint(op.f("ck_projects_dedicated_workers"), "projects", "dedicated_workers >= 0")
    op.drop_constraint(op.f("ck_projects_max_photos"), "projects", type_="check")
    op.create_check_constraint(
        op.f("ck_projects_max_photos"), "projects", "max_photos IS NULL OR max_photos >= 0"
    )
    op.add_column("outbox_messages", sa.Column("queue", sa.String(length=255), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox_messages", "queue")
    op.drop_constraint(op.f("ck_projects_max_photos"), "projects", type_="check")
    op.execute("UPDATE projects SET max_photos = NULL WHERE max_photos = 0")
    op.create_check_constraint(
        op.f("ck_projects_max_photos"), "projects", "max_photos IS NULL OR max_photos > 0"
    )
    op.drop_constraint(op.f("ck_projects_dedicated_workers"), "projects", type_="check")
    op.drop_column("projects", "dedicated_workers")
