"""The one Alembic history: up, down, up again, and no drift from the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, delete, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import migrate
from api.core.db import normalise_url
from api.models import Base, Discount, Operator, PromoCode


@pytest.fixture
def scratch_db_url(infra: dict[str, str]) -> Iterator[str]:
    base = make_url(normalise_url(infra["postgres"]))
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(scratch_db_url: str) -> None:
    engine = create_engine(normalise_url(scratch_db_url))
    try:
        migrate.upgrade(scratch_db_url)
        assert _tables(engine) == set(Base.metadata.tables)
        migrate.downgrade(scratch_db_url, "base")
        assert _tables(engine) == set()
        migrate.upgrade(scratch_db_url)
        assert _tables(engine) == set(Base.metadata.tables)
    finally:
        engine.dispose()


def test_models_and_migrations_do_not_drift(engine: Engine) -> None:
    """The test database was built by `alembic upgrade head`; autogenerate must find nothing to do."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_constraints_live_in_the_database(engine: Engine) -> None:
    inspector = inspect(engine)
    checks = {c["name"] for c in inspector.get_check_constraints("purchases")}
    assert "ck_purchases_total" in checks
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("stripe_events")}
    assert ("event_id",) in uniques
    fks = {fk["referred_table"] for fk in inspector.get_foreign_keys("photo_tags")}
    assert {"photos", "users", "faces"} <= fks
    index_defs = {i["name"]: i for i in inspector.get_indexes("faces")}
    assert "ix_faces_embedding_128_hnsw" in index_defs


def test_a_discount_with_promo_codes_cannot_be_deleted_in_the_database(db: Session) -> None:
    """The promo codes' foreign key refuses (it used to cascade and delete them silently); deleting
    the operator still removes both."""
    operator = Operator(name="FK Studio", email=f"fk-{uuid.uuid4().hex[:8]}@example.com", password_hash="x")
    db.add(operator)
    db.flush()
    discount = Discount(operator_id=operator.id, name="Ten", type="percentage", value=10)
    db.add(discount)
    db.flush()
    db.add(PromoCode(operator_id=operator.id, discount_id=discount.id, code="FKTEN"))
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.execute(delete(Discount).where(Discount.id == discount.id))
    assert db.scalar(select(func.count()).where(PromoCode.discount_id == discount.id)) == 1
    db.execute(delete(Operator).where(Operator.id == operator.id))
    assert db.scalar(select(func.count()).where(PromoCode.discount_id == discount.id)) == 0
