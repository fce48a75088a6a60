"""projects count the photos and bytes held against their quota, kept by triggers

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

An upload URL in a project with a quota used to lock the project row and count its photos; every
upload of the project, quota or not, waited on that lock. Now a project with a quota carries
`quota_used_photos` / `quota_used_bytes` (photos in pending_upload, uploaded, processing or ready,
and the sum of their sizes), and a reservation is one conditional UPDATE of that row. Projects
without a quota carry NULL and no photo change touches their row.

- `photos_quota_usage` (after each photo insert, delete, or change of status, size or project)
  adds the change to its project's counters when the project is counted.
- `projects_quota_usage` (before a project is inserted or its quota changes): no quota, NULL; a
  new quota, a fresh count. That count first waits for the photo changes in flight (the project row
  FOR UPDATE waits for inserts, which hold it FOR KEY SHARE through their foreign key; the photo
  rows FOR SHARE wait for updates and deletes), and every later one sees the project counted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statuses whose photos hold storage (api.models.photos.QUOTA_STATUSES when this was written).
_COUNTED = "('pending_upload', 'uploaded', 'processing', 'ready')"

_PHOTOS_FUNCTION = f"""
CREATE FUNCTION photos_quota_usage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_n integer := 0;
    old_b bigint := 0;
    new_n integer := 0;
    new_b bigint := 0;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status IN {_COUNTED} THEN
        old_n := 1;
        old_b := COALESCE(OLD.size_bytes, 0);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status IN {_COUNTED} THEN
        new_n := 1;
        new_b := COALESCE(NEW.size_bytes, 0);
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.project_id = NEW.project_id THEN
        new_n := new_n - old_n;
        new_b := new_b - old_b;
        old_n := 0;
        old_b := 0;
    END IF;
    IF old_n <> 0 OR old_b <> 0 THEN
        UPDATE projects
        SET quota_used_photos = quota_used_photos - old_n, quota_used_bytes = quota_used_bytes - old_b
        WHERE id = OLD.project_id AND quota_used_photos IS NOT NULL;
    END IF;
    IF new_n <> 0 OR new_b <> 0 THEN
        UPDATE projects
        SET quota_used_photos = quota_used_photos + new_n, quota_used_bytes = quota_used_bytes + new_b
        WHERE id = NEW.project_id AND quota_used_photos IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$
"""

_PROJECTS_FUNCTION = f"""
CREATE FUNCTION projects_quota_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.max_photos IS NULL AND NEW.max_storage_bytes IS NULL THEN
        NEW.quota_used_photos := NULL;
        NEW.quota_used_bytes := NULL;
    ELSIF TG_OP = 'INSERT' THEN
        NEW.quota_used_photos := 0;
        NEW.quota_used_bytes := 0;
    ELSIF OLD.quota_used_photos IS NULL THEN
        PERFORM 1 FROM projects WHERE id = NEW.id FOR UPDATE;
        PERFORM 1 FROM photos WHERE project_id = NEW.id FOR SHARE;
        SELECT count(*), COALESCE(sum(size_bytes), 0) INTO NEW.quota_used_photos, NEW.quota_used_bytes
        FROM photos WHERE project_id = NEW.id AND status IN {_COUNTED};
    END IF;
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    op.add_column("projects", sa.Column("quota_used_photos", sa.Integer(), nullable=True))
    op.add_column("projects", sa.Column("quota_used_bytes", sa.BigInteger(), nullable=True))
    op.execute(
        f"""
        UPDATE projects p SET quota_used_photos = u.n, quota_used_bytes = u.b
        FROM (
            SELECT p2.id, count(ph.id) AS n, COALESCE(sum(ph.size_bytes), 0) AS b
            FROM projects p2 LEFT JOIN photos ph ON ph.project_id = p2.id AND ph.status IN {_COUNTED}
            WHERE p2.max_photos IS NOT NULL OR p2.max_storage_bytes IS NOT NULL
            GROUP BY p2.id
        ) u
        WHERE p.id = u.id
        """
    )
    op.create_check_constraint(
        op.f("ck_projects_quota_usage"),
        "projects",
        "(quota_used_photos IS NULL) = (max_photos IS NULL AND max_storage_bytes IS NULL)"
        " AND (quota_used_bytes IS NULL) = (quota_used_photos IS NULL)",
    )
    op.execute(_PHOTOS_FUNCTION)
    op.execute(_PROJECTS_FUNCTION)
    op.execute(
        "CREATE TRIGGER photos_quota_usage AFTER INSERT OR DELETE OR UPDATE OF status, size_bytes, project_id"
        " ON photos FOR EACH ROW EXECUTE FUNCTION photos_quota_usage()"
    )
    op.execute(
        "CREATE TRIGGER projects_quota_usage BEFORE INSERT OR UPDATE OF max_photos, max_storage_bytes"
        " ON projects FOR EACH ROW EXECUTE FUNCTION projects_quota_usage()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER projects_quota_usage ON projects")
    op.execute("DROP TRIGGER photos_quota_usage ON photos")
    op.execute("DROP FUNCTION projects_quota_usage()")
    op.execute("DROP FUNCTION photos_quota_usage()")
    op.drop_constraint(op.f("ck_projects_quota_usage"), "projects", type_="check")
    op.drop_column("projects", "quota_used_bytes")
    op.drop_column("projects", "quota_used_photos")
