"""photo search: a full-text document of title, file name and tags, with GIN indexes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

`photo_search_document(title, file_name, tags)` is the tsvector the search's free words match
(api/search/conditions.py): the 'simple' configuration (no stemming, any language), file names
split at '.', '_' and '-'. It is declared IMMUTABLE (array_to_string is only STABLE in general,
but for text it does not depend on settings) so that it can be indexed. Tags get a GIN index of
their own for `tag:`. The bundled Postgres has no pg_trgm, hence no infix index.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENT = """
CREATE FUNCTION photo_search_document(title text, file_name text, tags text[]) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_tsvector('simple', coalesce(title, '') || ' '
    || regexp_replace(coalesce(file_name, ''), '[._-]+', ' ', 'g') || ' '
    || array_to_string(coalesce(tags, '{}'), ' '))
$$
"""


def upgrade() -> None:
    op.execute(DOCUMENT)
    op.execute(
        "CREATE INDEX ix_photos_search_document ON photos USING gin "
        "(photo_search_document(title, file_name, tags))"
    )
    op.create_index("ix_photos_tags", "photos", ["tags"], postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("ix_photos_tags", table_name="photos")
    op.execute("DROP INDEX ix_photos_search_document")
    op.execute("DROP FUNCTION photo_search_document(text, text, text[])")
